"""Fixtures shared by unit and integration tests: where the seeds and the corpus are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _shared() -> Path:
    """The shared data: $NEWSFLOW_SHARED, else ../shared beside the repository, else the
    machine's /work/shared (a clone made elsewhere, e.g. in /tmp, still finds it)."""
    given = os.environ.get("NEWSFLOW_SHARED")
    if given:
        return Path(given)
    beside = REPO.parent / "shared"
    return beside if beside.is_dir() else Path("/work/shared")


SHARED = _shared()
SEEDS = SHARED / "seeds"
CORPUS_DEV = SHARED / "corpus" / "dev"
RIA_SEED = SEEDS / "000_dd7157ff7ca190b8.txt"
RT_SEED = SEEDS / "002_7f261bbe20e88e81.txt"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.fail(f"the seeds are missing: {SEEDS} (shared/ must sit beside the repo)")
    return SEEDS


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not CORPUS_DEV.is_dir():
        pytest.fail(f"the corpus is missing: {CORPUS_DEV}")
    return CORPUS_DEV
