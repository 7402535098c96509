from __future__ import annotations

import random

from config.settings import load_settings
from workers.logging_setup import mask_url
from workers.runtime import backoff_seconds


def test_backoff_grows_is_jittered_and_capped() -> None:
    settings = load_settings()
    random.seed(7)
    early = [backoff_seconds(0, settings, None) for _ in range(200)]
    late = [backoff_seconds(6, settings, None) for _ in range(200)]
    capped = [backoff_seconds(30, settings, None) for _ in range(200)]
    assert max(early) <= settings.celery.retry_backoff_s
    assert len(set(late)) > 100  # jitter: no two workers retry in lockstep
    assert max(capped) <= settings.celery.retry_backoff_max_s
    assert sum(late) / len(late) > sum(early) / len(early)


def test_backoff_honours_retry_after() -> None:
    settings = load_settings()
    assert backoff_seconds(0, settings, 42.0) >= 42.0


def test_passwords_are_masked() -> None:
    assert mask_url("redis://:s3cret@host:6379/0") == "redis://:***@host:6379/0"
    assert mask_url("postgresql://u:pw@h/db") == "postgresql://u:***@h/db"
    assert mask_url("redis://host:6379/0") == "redis://host:6379/0"
