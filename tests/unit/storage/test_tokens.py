"""API tokens on a migrated SQLite database: shown once, stored as a hash, found, revoked."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select

from tasks.storage.db import get_engine, migrate
from tasks.storage.schema import api_tokens
from tasks.storage.tokens import create_token, find_token, list_tokens, revoke_token


def test_a_token_is_kept_only_as_its_hash(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tokens.db'}"
    migrate(url)
    engine = get_engine(url)
    token, info = create_token(engine, "operator", "ops laptop")
    reader, _ = create_token(engine, "read")
    assert token.startswith("nf_") and len(token) > 40 and token != reader
    with engine.connect() as conn:
        rows = conn.execute(select(api_tokens)).mappings().all()
    assert all(token not in str(dict(r)) for r in rows)
    assert {r["token_hash"] for r in rows} >= {hashlib.sha256(token.encode()).hexdigest()}
    found = find_token(engine, token)
    assert found is not None and (found.id, found.role, found.name) == (
        info.id, "operator", "ops laptop")
    assert find_token(engine, token + "x") is None and find_token(engine, "") is None
    assert revoke_token(engine, info.id) and not revoke_token(engine, info.id)
    assert find_token(engine, token) is None
    assert [t.revoked_at is not None for t in list_tokens(engine)] == [True, False]
    with pytest.raises(ValueError):
        create_token(engine, "admin")  # type: ignore[arg-type]
