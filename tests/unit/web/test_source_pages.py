"""The sources pages' pure helpers, and the API models keeping up with the registry's rows
(a field added to ``SourceRow`` or ``EventRow`` must reach the API, or this fails)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from tasks.monitor.registry import EventRow, SourceRow
from web.api.sources import FetchEvent, SourceDetail, SourceRecord
from web.pages.sources import source_host, when
from web.render import NAV


def test_source_host_drops_path_query_and_credentials() -> None:
    assert source_host("https://www.lemonde.fr/rss/une.xml?x=1") == "www.lemonde.fr"
    assert source_host("http://user:pw@127.0.0.1:8080/feed.atom") == "127.0.0.1:8080"


def test_when_shows_utc_to_the_second_and_never_as_empty() -> None:
    assert when(datetime(2026, 12, 4, 23, 5, 9, 123, tzinfo=UTC)) == "2026-12-04 23:05:09"
    assert when(None) == ""


def test_api_models_cover_every_registry_field() -> None:
    assert {f.name for f in dataclasses.fields(SourceRow)} <= set(SourceRecord.model_fields)
    assert {f.name for f in dataclasses.fields(EventRow)} == set(FetchEvent.model_fields)
    assert {"unhealthy", "items_per_day_7d"} <= set(SourceRecord.model_fields)
    assert {"events", "rejected_share"} <= set(SourceDetail.model_fields)


def test_sources_are_in_the_navigation() -> None:
    assert ("Sources", "/sources") in NAV
