"""Logging for workers and the CLI: plain lines by default, one JSON object a line on demand."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

from config.settings import Settings

__all__ = ["JsonFormatter", "SecretFilter", "configure_logging", "mask_secrets", "mask_url"]

# scheme://user:password@host: the password runs to the last "@" before the host.
_URL_USERINFO = re.compile(r"([a-z][a-z0-9+.-]*://[^:/@\s]*:)[^\s]+@", re.IGNORECASE)


def mask_url(url: str) -> str:
    """redis://user:secret@host -> redis://user:***@host (for logs and `status`).

    Works on the raw text, so a percent-encoded or odd password is masked as written."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, path = rest.partition("/")
    userinfo, at, host = netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}{slash}{path}"


def mask_secrets(text: str) -> str:
    """Every ``scheme://user:password@`` in free text, with the password masked."""
    return _URL_USERINFO.sub(r"\1***@", text)


class SecretFilter(logging.Filter):
    """Masks URL passwords in every record, whoever logs it (Celery, kombu, SQLAlchemy)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


# Fields the pipeline passes with ``extra=`` on its per-article stage lines (tasks/pipeline.py),
# so a JSON log line can be filtered by article, batch or stage without parsing the message.
ARTICLE_FIELDS = ("article_id", "batch_id", "stage", "outcome", "ms")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for field in ARTICLE_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_json:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(processName)s %(name)s: %(message)s")
        )
    handler.addFilter(SecretFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
