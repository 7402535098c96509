"""``schema_state``: a database's revision against the code's, read without changing it."""

from __future__ import annotations

from pathlib import Path

from tasks.storage.db import migrate
from tasks.storage.schema_version import schema_state


def test_missing_migrated_and_unknown(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'n.db'}"
    missing = schema_state(url)
    assert (missing.current, missing.has_tables, missing.up_to_date) == ((), False, False)
    assert missing.heads and not (tmp_path / "n.db").exists()
    migrate(url)
    state = schema_state(url)
    assert state.current == state.heads == missing.heads
    assert state.up_to_date and state.has_tables
    assert not state.ahead
