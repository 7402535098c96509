from __future__ import annotations

import io
import logging

from workers.logging_setup import SecretFilter, mask_secrets, mask_url


def test_mask_url_masks_encoded_and_odd_passwords() -> None:
    assert mask_url("redis://u:p%40ss@h:6379/0") == "redis://u:***@h:6379/0"
    assert mask_url("rediss://default:s3cret@redis.example:6380/1") == (
        "rediss://default:***@redis.example:6380/1")
    assert mask_url("redis://h:6379/0") == "redis://h:6379/0"
    assert mask_url("postgresql+psycopg://postgres@db/x") == "postgresql+psycopg://postgres@db/x"


def test_mask_secrets_finds_every_url_in_free_text() -> None:
    text = "Cannot connect to redis://:pw1@a:1/0 nor postgresql://u:pw2@b/db: retrying"
    masked = mask_secrets(text)
    assert "pw1" not in masked and "pw2" not in masked
    assert "redis://:***@a:1/0" in masked and "postgresql://u:***@b/db" in masked


def test_secret_filter_masks_formatted_log_records() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(SecretFilter())
    logger = logging.getLogger("test_secret_filter")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("broker %s down", "redis://:hunter2@h:6379/0")
    finally:
        logger.removeHandler(handler)
    assert "hunter2" not in stream.getvalue()
    assert "redis://:***@h:6379/0" in stream.getvalue()


def test_json_lines_carry_the_article_fields() -> None:
    import json
    import logging

    from workers.logging_setup import JsonFormatter

    record = logging.LogRecord("tasks.pipeline", logging.INFO, __file__, 1, "clean ok", None, None)
    record.article_id, record.stage, record.ms = "a1", "clean", 12.5
    line = json.loads(JsonFormatter().format(record))
    assert (line["article_id"], line["stage"], line["ms"]) == ("a1", "clean", 12.5)
    assert "batch_id" not in line
