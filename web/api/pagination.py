"""Opaque cursors: the previous page's last sort key (keyset) or an offset (ranked lists),
as URL-safe base64 JSON. A client passes ``next_cursor`` back as ``cursor``; a cursor it
made up is a 400, never a 500."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from fastapi import HTTPException, status

__all__ = ["decode_cursor", "encode_cursor", "keyset_cursor", "offset_cursor", "read_keyset",
           "read_offset"]


def encode_cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Any:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "not a cursor of this API") from exc


def keyset_cursor(at: datetime | str, row_id: str) -> str:
    return encode_cursor({"k": [at if isinstance(at, str) else at.isoformat(), row_id]})


def read_keyset(cursor: str | None) -> tuple[datetime, str] | None:
    if cursor is None:
        return None
    value = decode_cursor(cursor)
    try:
        at, row_id = value["k"]
        return datetime.fromisoformat(at), str(row_id)
    except (KeyError, TypeError, ValueError) as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "not a cursor of this list") from exc


def offset_cursor(offset: int) -> str:
    return encode_cursor({"o": offset})


def read_offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    value = decode_cursor(cursor)
    offset = value.get("o") if isinstance(value, dict) else None
    if not isinstance(offset, int) or offset < 0:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "not a cursor of this list")
    return offset
