"""Watches through `newsflow serve`: the API (roles, create with the secret shown once, list
without it, pause, resume, test against a real receiver on loopback, remove) and the pages
(an operator's CSRF-checked form, a reader who sees no form). The server is the shared one
of ``conftest.website``, whose settings let webhooks reach 127.0.0.1."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.integration.web.conftest import WebSite, newsflow
from tests.unit.watches.receiver import Receiver

pytestmark = pytest.mark.integration


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    # The secret is the server's to make: each test sets it once the watch exists.
    running = Receiver(secret="unknown yet").start()
    try:
        yield running
    finally:
        running.stop()


def _name(what: str) -> str:
    return f"{what} {uuid.uuid4().hex[:6]}"


def _session(site: WebSite, token: str) -> httpx.Client:
    return httpx.Client(base_url=site.url, cookies={"newsflow_session": token}, timeout=60)


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def test_watches_need_a_token_and_writes_an_operator(website: WebSite) -> None:
    spec = {"name": _name("nato"), "entities": ["NATO"], "webhook_url": "http://127.0.0.1:9/h"}
    with website.client() as anonymous:
        assert anonymous.get("/api/watches").status_code == 401
        assert anonymous.post("/api/watches", json=spec).status_code == 401
    with website.client(website.read_token) as reader:
        assert reader.get("/api/watches").status_code == 200
        assert reader.post("/api/watches", json=spec).status_code == 403
        assert reader.delete("/api/watches/anything").status_code == 403
        assert reader.post("/api/watches/anything/pause").status_code == 403
        assert reader.post("/api/watches/anything/test").status_code == 403
        assert reader.get("/api/watches/nothing-here").status_code == 404
        names = [w["name"] for w in reader.get("/api/watches").json()["items"]]
    assert spec["name"] not in names  # the refused create saved nothing


def test_an_operator_manages_a_nato_watch(website: WebSite, receiver: Receiver) -> None:
    name = _name("NATO watch")
    with website.client(website.operator_token) as operator, \
            website.client(website.read_token) as reader:
        made = operator.post("/api/watches", json={
            "name": name, "entities": ["NATO"], "webhook_url": receiver.url})
        assert made.status_code == 201, made.text
        created = made.json()
        secret, watch_id = created["secret"], created["id"]
        assert len(secret) >= 32 and "NATO" in created["entities"]
        assert created["active"] is True and created["webhook_url"] == receiver.url

        # Listed and shown to a reader, never with its secret.
        listing = reader.get("/api/watches")
        mine = [w for w in listing.json()["items"] if w["id"] == watch_id]
        assert len(mine) == 1 and mine[0]["name"] == name
        shown = reader.get(f"/api/watches/{watch_id}")
        assert shown.status_code == 200 and shown.json()["recent"] == []
        assert reader.get(f"/api/watches/{watch_id}/deliveries").json() == {"items": []}
        for reply in (listing, shown):
            assert secret not in reply.text and '"secret"' not in reply.text

        # A test event reaches the receiver, signed with that secret.
        receiver.secret = secret
        tested = operator.post(f"/api/watches/{watch_id}/test")
        assert tested.status_code == 200 and tested.json() == {
            "ok": True, "status": 204, "error": None}
        assert [(r.body["event"], r.signed) for r in receiver.received] == [("watch.test", True)]

        paused = operator.post(f"/api/watches/{watch_id}/pause")
        assert paused.status_code == 200 and paused.json()["active"] is False
        assert secret not in paused.text
        assert reader.get(f"/api/watches/{watch_id}").json()["active"] is False
        resumed = operator.post(f"/api/watches/{watch_id}/resume")
        assert resumed.json()["active"] is True

        assert operator.delete(f"/api/watches/{watch_id}").status_code == 204
        assert reader.get(f"/api/watches/{watch_id}").status_code == 404
        assert operator.delete(f"/api/watches/{watch_id}").status_code == 404
        assert operator.post(f"/api/watches/{watch_id}/resume").status_code == 404
        assert watch_id not in reader.get("/api/watches").text


def test_a_bad_watch_is_refused_with_its_reason(website: WebSite, receiver: Receiver) -> None:
    name = _name("refused")
    with website.client(website.operator_token) as operator:
        nothing = operator.post("/api/watches", json={"name": name, "webhook_url": receiver.url})
        assert nothing.status_code == 422 and "a query or at least one entity" in nothing.text
        scheme = operator.post("/api/watches", json={
            "name": name, "query": "NATO", "webhook_url": "file:///etc/passwd"})
        assert scheme.status_code == 422
        private = operator.post("/api/watches", json={
            "name": name, "query": "NATO", "webhook_url": "http://10.1.2.3/hook"})
        assert private.status_code == 400 and "watches.allow_private_hosts" in private.text
        first = operator.post("/api/watches", json={
            "name": name, "query": "NATO", "webhook_url": receiver.url})
        assert first.status_code == 201
        again = operator.post("/api/watches", json={
            "name": name, "query": "NATO", "webhook_url": receiver.url})
        assert again.status_code == 400 and "exists already" in again.text
        assert operator.delete(f"/api/watches/{first.json()['id']}").status_code == 204


def test_an_operator_adds_and_removes_a_watch_with_the_form(
        website: WebSite, receiver: Receiver) -> None:
    # A hostile name: the pages show it as text.
    name = _name('NATO <b onmouseover="document.title=1">watch</b>')
    with _session(website, website.operator_token) as client:
        page = client.get("/watches")
        assert page.status_code == 200 and 'id="add-watch"' in page.text
        token = _csrf(page.text)
        form = {"name": name, "query": "", "entities": "NATO, OTAN",
                "webhook_url": receiver.url, "scope": "articles"}
        assert client.post("/watches", data=form).status_code == 403  # no CSRF token
        made = client.post("/watches", data={**form, "csrf_token": token})
        assert made.status_code == 201, made.text[:2000]
        secret = re.search(r'id="secret">.*?<p><code>([^<]+)</code>', made.text, re.S)
        assert secret, made.text[:2000]
        assert "<b onmouseover" not in made.text and "&lt;b onmouseover" in made.text

        listing = client.get("/watches").text
        rows = re.findall(r'<tr class="watch" data-watch="([0-9a-f]+)">(.*?)</tr>', listing,
                          re.S)
        mine = [(found, cells) for found, cells in rows if name[-6:] in cells]
        assert len(mine) == 1, rows
        watch_id, cells = mine[0]
        assert f"127.0.0.1:{receiver.port}" in cells and "/hook" not in cells
        assert "<b onmouseover" not in listing and secret.group(1) not in listing

        paused = client.post(f"/watches/{watch_id}/pause", data={"csrf_token": token})
        assert paused.status_code == 303
        assert paused.headers["location"] == f"/watches/{watch_id}?done=paused"
        shown = client.get(paused.headers["location"]).text
        assert '<dd id="active">paused</dd>' in shown and 'id="resume"' in shown
        assert secret.group(1) not in shown
        resumed = client.post(f"/watches/{watch_id}/resume", data={"csrf_token": token})
        assert resumed.status_code == 303
        assert '<dd id="active">yes</dd>' in client.get(f"/watches/{watch_id}").text

        removed = client.post(f"/watches/{watch_id}/remove", data={"csrf_token": token})
        assert removed.status_code == 303 and removed.headers["location"] == "/watches?done=removed"
        assert watch_id not in client.get("/watches").text
        assert client.get(f"/watches/{watch_id}").status_code == 404


def test_the_form_shows_why_a_watch_is_refused(website: WebSite) -> None:
    with _session(website, website.operator_token) as client:
        token = _csrf(client.get("/watches").text)
        reply = client.post("/watches", data={
            "csrf_token": token, "name": _name("empty"), "query": " ", "entities": "",
            "webhook_url": "http://127.0.0.1:9/h"})
    assert reply.status_code == 422
    assert 'id="error"' in reply.text and "a query or at least one entity" in reply.text
    assert 'value="http://127.0.0.1:9/h"' in reply.text  # what was typed stays in the form


def test_a_read_session_sees_watches_but_no_form(website: WebSite, receiver: Receiver) -> None:
    name = _name("read-only view")
    with website.client(website.operator_token) as operator:
        made = operator.post("/api/watches", json={
            "name": name, "query": "NATO summit", "webhook_url": receiver.url})
        assert made.status_code == 201
    watch_id = made.json()["id"]
    try:
        with _session(website, website.read_token) as client:
            page = client.get("/watches")
            assert page.status_code == 200 and name in page.text
            assert 'id="add-watch"' not in page.text
            shown = client.get(f"/watches/{watch_id}").text
            assert 'id="pause"' not in shown and 'id="remove"' not in shown
            assert receiver.url not in shown  # a reader sees the webhook's host only
            token = _csrf(page.text)
            for path in ("/watches", f"/watches/{watch_id}/pause",
                         f"/watches/{watch_id}/remove"):
                reply = client.post(path, data={"csrf_token": token, "name": "x",
                                                "query": "x", "webhook_url": receiver.url})
                assert reply.status_code == 403, path
    finally:
        with website.client(website.operator_token) as operator:
            assert operator.delete(f"/api/watches/{watch_id}").status_code == 204


def test_the_schema_lists_the_watch_paths_and_one_secret(website: WebSite) -> None:
    with website.client() as client:
        schema = client.get("/api/openapi.json").json()
    for path in ("/api/watches", "/api/watches/{watch_id}", "/api/watches/{watch_id}/deliveries",
                 "/api/watches/{watch_id}/pause", "/api/watches/{watch_id}/resume",
                 "/api/watches/{watch_id}/test"):
        assert path in schema["paths"], path
    assert set(schema["paths"]["/api/watches/{watch_id}"]) == {"get", "delete"}
    with_secret = {name for name, model in schema["components"]["schemas"].items()
                   if "secret" in model.get("properties", {})}
    # The create body (WatchSpec: an optional secret to set) and the create reply only.
    assert with_secret == {"WatchSpec", "CreatedWatch"}, with_secret


NATO_ARTICLE = {
    "url": "https://example.org/2022/03/nato-baltic-exercise",
    "title": "NATO starts a naval exercise in the Baltic Sea",
    "publisher": "Watch Test Wire",
    "published": "2022-03-02",
    "text": (
        "NATO began a two-week naval exercise in the Baltic Sea on Wednesday, with ships from "
        "eleven member states taking part off the coast of Lithuania and Latvia.\n\n"
        "A NATO spokesperson in Brussels said the exercise had been planned for more than a "
        "year and was not directed at any country, while officials in Vilnius welcomed the "
        "larger allied presence in the region.\n\n"
        "The alliance's maritime command said the drills would test mine clearance, air "
        "defence and the resupply of ships at sea, and that civilian shipping lanes would "
        "stay open throughout."
    ),
}


def test_a_new_nato_article_shows_as_a_delivery(website: WebSite, receiver: Receiver) -> None:
    """A real `newsflow run` stores a new NATO article and posts the watch's webhook to the
    receiver (see below); the API and the pages then show that delivery with its status,
    attempts and HTTP status, and the watch's counts."""
    from tasks.watches import deliveries

    with website.client(website.operator_token) as operator:
        made = operator.post("/api/watches", json={
            "name": _name("NATO deliveries"), "entities": ["NATO"],
            "webhook_url": receiver.url})
        assert made.status_code == 201, made.text
    watch_id, receiver.secret = made.json()["id"], made.json()["secret"]
    try:
        folder = website.workdir / f"in-{watch_id}"
        folder.mkdir()
        (folder / "nato.jsonl").write_text(json.dumps(NATO_ARTICLE) + "\n", encoding="utf-8")
        done = newsflow(website.env, "run", str(folder))
        assert done.returncode == 0, done.stderr[-3000:]

        with website.client(website.read_token) as reader:
            [row] = reader.get(f"/api/watches/{watch_id}/deliveries").json()["items"]
        # Exactly one signed POST for the one new matching article, sent before `run` ended
        # (it waits for the batch's first deliveries before it stops its worker).
        [match] = receiver.matches()
        assert match.signed and match.body["watch"]["id"] == watch_id
        with website.client(website.read_token) as reader:
            [row] = reader.get(f"/api/watches/{watch_id}/deliveries").json()["items"]
            assert (row["status"], row["attempts"], row["last_status"]) == (
                deliveries.DELIVERED, 1, 204)
            assert match.body["article"]["id"] == row["article_id"]
            assert match.body["article"]["title"] == NATO_ARTICLE["title"]
            mine = [w for w in reader.get("/api/watches").json()["items"] if w["id"] == watch_id]
            assert mine[0]["deliveries"] == {"delivered": 1}
        with _session(website, website.read_token) as client:
            page = client.get(f"/watches/{watch_id}").text
            listing = client.get("/watches").text
        delivered = re.findall(r'<tr class="delivery delivered">(.*?)</tr>', page, re.S)
        assert len(delivered) == 1 and f'href="/articles/{row["article_id"]}"' in delivered[0]
        assert "<td>204</td>" in delivered[0] and "<td>1</td>" in delivered[0]
        assert re.search(rf'data-watch="{watch_id}">.*?<td class="count-delivered">1</td>',
                         listing, re.S)
    finally:
        with website.client(website.operator_token) as operator:
            assert operator.delete(f"/api/watches/{watch_id}").status_code == 204
