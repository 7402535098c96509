"""API tokens: made once, shown once, kept only as a SHA-256.

A token is 256 random bits, so a plain SHA-256 is enough to keep it from being read back
(a slow password hash guards guessable secrets, which these are not) and lets a request be
checked with one indexed lookup. Two roles: ``read`` sees everything, ``operator`` may also
act (replay). Revoking keeps the row, so the list still says who had access.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import Engine, select, update

from tasks.common import utc_now
from tasks.storage.db import read_tx, write_tx
from tasks.storage.schema import api_tokens

__all__ = [
    "ROLES",
    "Role",
    "TokenInfo",
    "create_token",
    "find_token",
    "list_tokens",
    "revoke_token",
    "token_hash",
]

Role = Literal["read", "operator"]
ROLES: tuple[str, ...] = get_args(Role)
PREFIX = "nf_"  # recognisable in a leaked-secret scan


@dataclass(frozen=True)
class TokenInfo:
    id: str
    role: Role
    name: str | None
    created_at: datetime
    revoked_at: datetime | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(engine: Engine, role: Role, name: str | None = None) -> tuple[str, TokenInfo]:
    """A new token (returned once, never stored) and its row."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    token = PREFIX + secrets.token_urlsafe(32)
    info = TokenInfo(secrets.token_hex(6), role, name, utc_now(), None)
    with write_tx(engine, "create_token") as conn:
        conn.execute(
            api_tokens.insert().values(
                id=info.id, token_hash=token_hash(token), role=role, name=name,
                created_at=info.created_at,
            )
        )
    return token, info


def _info(row: object) -> TokenInfo:
    return TokenInfo(row.id, row.role, row.name, row.created_at, row.revoked_at)  # type: ignore[attr-defined]


def find_token(engine: Engine, token: str) -> TokenInfo | None:
    """The live (not revoked) token row matching ``token``, or None."""
    if not token.startswith(PREFIX):
        return None
    query = select(api_tokens).where(
        api_tokens.c.token_hash == token_hash(token), api_tokens.c.revoked_at.is_(None)
    )
    with read_tx(engine, "find_token") as conn:
        row = conn.execute(query).first()
    return _info(row) if row is not None else None


def list_tokens(engine: Engine) -> list[TokenInfo]:
    with read_tx(engine, "list_tokens") as conn:
        rows = conn.execute(select(api_tokens).order_by(api_tokens.c.created_at)).all()
    return [_info(r) for r in rows]


def revoke_token(engine: Engine, token_id: str) -> bool:
    """Revoke by id; False when no live token has that id."""
    with write_tx(engine, "revoke_token") as conn:
        result = conn.execute(
            update(api_tokens)
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=utc_now())
        )
    return bool(result.rowcount)
