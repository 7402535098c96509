"""The locks in requirements/ must keep up with pyproject.toml: `make install` and the
Dockerfile install only what the locks pin (hash-checked), so a dependency added or narrowed
in pyproject.toml without `make lock` would otherwise surface as a broken install or import."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
LOCKS = REPO / "requirements"


def _pins(name: str) -> dict[NormalizedName, list[Requirement]]:
    """Each package of a uv/pip-compile lock with its pins (a universal lock may pin one package
    twice, under exclusive markers); a pin without a --hash line fails here."""
    pins: dict[NormalizedName, list[Requirement]] = {}
    entries = (LOCKS / name).read_text().replace("\\\n", " ").splitlines()
    for line in entries:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        spec, _, hashes = line.partition(" --hash=")
        assert hashes, f"{name}: {spec.strip()} has no hash"
        requirement = Requirement(spec.strip())
        assert len(requirement.specifier) == 1, f"{name}: {requirement} is not one pin"
        assert next(iter(requirement.specifier)).operator == "==", f"{name}: {requirement}"
        pins.setdefault(canonicalize_name(requirement.name), []).append(requirement)
    return pins


def _version(pin: Requirement) -> str:
    return next(iter(pin.specifier)).version


def _assert_pinned(declared: list[str], lock: str) -> None:
    pins = _pins(lock)
    for text in declared:
        wanted = Requirement(text)
        found = pins.get(canonicalize_name(wanted.name))
        assert found, f"{wanted.name} is in pyproject.toml but not in {lock}: run `make lock`"
        for pin in found:
            assert wanted.specifier.contains(_version(pin), prereleases=True), (
                f"{lock} pins {pin}, outside pyproject.toml's {wanted}: run `make lock`"
            )


def test_runtime_dependencies_are_pinned_in_both_locks() -> None:
    for lock in ("lock.txt", "lock-dev.txt"):
        _assert_pinned(PYPROJECT["project"]["dependencies"], lock)


def test_dev_dependencies_are_pinned_in_the_dev_lock() -> None:
    _assert_pinned(PYPROJECT["project"]["optional-dependencies"]["dev"], "lock-dev.txt")


def test_build_requirements_are_pinned_in_the_build_lock() -> None:
    _assert_pinned(PYPROJECT["build-system"]["requires"], "build.txt")


@pytest.mark.parametrize("other", ["lock-dev.txt", "build.txt"])
def test_locks_agree_with_the_runtime_lock(other: str) -> None:
    # Versions only: a dev tool may need a shared package under more markers (pandas wants
    # tzdata on emscripten too), never at another version.
    runtime = _pins("lock.txt")
    for name, pins in _pins(other).items():
        if name in runtime:
            assert {_version(p) for p in pins} == {_version(p) for p in runtime[name]}, (
                f"{other} and lock.txt disagree on {name}: run `make lock`"
            )


def test_the_lxml_extra_old_pip_drops_is_declared() -> None:
    # jusText asks for lxml[html_clean]; pip 23.2 ignores that extra name, so the package it
    # stands for must be a direct dependency or `import trafilatura` fails after an install.
    names = {canonicalize_name(Requirement(d).name) for d in PYPROJECT["project"]["dependencies"]}
    assert "lxml-html-clean" in names
