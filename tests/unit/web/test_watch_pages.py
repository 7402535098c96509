"""The watches pages' pure helpers, and the API's replies having no place for a secret."""

from __future__ import annotations

from web.api.watches import CreatedWatch, WatchDetail, WatchRecord
from web.pages.watches import split_entities, webhook_host


def test_webhook_host_drops_path_query_and_credentials() -> None:
    assert webhook_host("https://hooks.example.com/services/T0/B0/XYZ?k=1") == \
        "hooks.example.com"
    assert webhook_host("http://user:pw@127.0.0.1:8080/hook") == "127.0.0.1:8080"


def test_entities_split_on_commas_semicolons_and_lines() -> None:
    assert split_entities("NATO, OTAN;Alexander Grushko\n\n ,") == [
        "NATO", "OTAN", "Alexander Grushko"]
    assert split_entities("  ") == []


def test_only_the_create_reply_has_a_secret() -> None:
    assert "secret" not in WatchRecord.model_fields
    assert "secret" not in WatchDetail.model_fields
    assert "secret" in CreatedWatch.model_fields
