"""The web pages of `newsflow serve` over HTTP: sign-in and its cookie, CSRF on forms, the
security headers, and hostile article text (script tags, event handlers, javascript: links)
rendered as text. The browser tests (``test_browser``) check the same in Chromium."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx
import pytest
from fastapi.testclient import TestClient

from config.settings import load_settings
from tests.integration.web.conftest import WebSite
from web.app import create_app
from web.headers import CSP

pytestmark = pytest.mark.integration

PAYLOADS = ("pwned-script", "pwned-onerror", "pwned-link", "pwned-svg", "pwned-title",
            "pwned-pub", "pwned-url")


class _Markup(HTMLParser):
    """What a browser would act on: script elements, on* handlers, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.found.append("<script>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                    "javascript:"):
                self.found.append(f"{tag} {name}={value}")


def _active_markup(html: str) -> list[str]:
    parser = _Markup()
    parser.feed(html)
    return parser.found


def test_the_checker_sees_active_markup() -> None:
    assert _active_markup('<p><img src=x onerror="x()"><a href=" JavaScript:x()">a</a>'
                          "<script>x()</script></p>") == [
        "img onerror", "a href= JavaScript:x()", "<script>"]
    assert _active_markup('<input value="&lt;b onmouseover=&#34;x()&#34;&gt;">') == []


def _session(site: WebSite, token: str) -> httpx.Client:
    return httpx.Client(base_url=site.url, cookies={"newsflow_session": token}, timeout=60)


def _csrf(client: httpx.Client, page: str) -> str:
    html = client.get(page).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def test_pages_need_a_session(website: WebSite) -> None:
    with httpx.Client(base_url=website.url) as client:
        reply = client.get("/search?q=NATO")
    assert reply.status_code == 303
    assert reply.headers["location"] == "/signin?next=%2Fsearch%3Fq%3DNATO"


def test_sign_in_sets_an_httponly_strict_cookie(website: WebSite) -> None:
    with httpx.Client(base_url=website.url) as client:
        token = _csrf(client, "/signin")
        wrong = client.post("/signin", data={"token": "nf_wrong", "csrf_token": token})
        assert wrong.status_code == 401 and "unknown or revoked" in wrong.text
        done = client.post("/signin", data={"token": website.read_token, "csrf_token": token,
                                            "next": "//evil.example/"})
    assert done.status_code == 303 and done.headers["location"] == "/"  # no open redirect
    cookie = done.headers["set-cookie"]
    assert cookie.startswith(f"newsflow_session={website.read_token};")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_forms_refuse_a_missing_or_foreign_csrf_token(website: WebSite) -> None:
    with _session(website, website.operator_token) as client:
        token = _csrf(client, "/pipeline")
        for data, headers in (
            ({"all": "1"}, {}),  # no token
            ({"all": "1", "csrf_token": "forged"}, {}),
            ({"all": "1", "csrf_token": token}, {"Origin": "http://evil.example"}),
        ):
            reply = client.post("/pipeline/replay", data=data, headers=headers)
            assert reply.status_code == 403, (data, headers)
        status = client.get("/api/pipeline", headers={
            "Authorization": f"Bearer {website.read_token}"}).json()
    assert status["counts"]["queued"] == 0  # nothing was sent


def test_a_read_session_cannot_replay(website: WebSite) -> None:
    with _session(website, website.read_token) as client:
        page = client.get("/pipeline").text
        token = _csrf(client, "/pipeline")
        reply = client.post("/pipeline/replay", data={"all": "1", "csrf_token": token})
    assert 'class="replay"' not in page
    assert reply.status_code == 403


@pytest.mark.parametrize("page", ["/", "/article", "/search?q=cycle+lanes+Lyon",
                                  "/search?publisher=%3Cb%20onmouseover%3D%22document.title%3D"
                                  "%27pwned-pub%27%22%3EEvil%20Press%3C%2Fb%3E"])
def test_hostile_text_is_escaped(website: WebSite, page: str) -> None:
    if page == "/article":
        page = f"/articles/{website.hostile_id}"
    with _session(website, website.read_token) as client:
        reply = client.get(page + ("&single=true" if "?" in page else "?single=true"))
    assert reply.status_code == 200
    html = reply.text
    assert reply.headers["content-security-policy"] == CSP
    assert "script-src 'none'" in CSP
    # The hostile article is on the page (the front page: if among the latest), its markup
    # shown as text ...
    escaped_title = "&lt;script&gt;document.title=&#39;pwned-title&#39;&lt;/script&gt;"
    assert escaped_title in html or page == "/"
    # ... and no tag, handler or javascript: URL of it survives as markup.
    assert "<script" not in html
    assert "<img src=x" not in html and "<svg onload" not in html and "<b onmouseover" not in html
    assert _active_markup(html) == []


def test_the_hostile_url_is_not_a_link(website: WebSite) -> None:
    with _session(website, website.read_token) as client:
        html = client.get(f"/articles/{website.hostile_id}").text
    assert "<span class=\"source\">" in html  # shown as text, not as <a href>
    assert "javascript:" not in " ".join(re.findall(r'href="([^"]*)"', html))


def test_no_auth_serves_everyone_as_operator(website: WebSite) -> None:
    settings = load_settings(database_url=website.env["NEWSFLOW_DATABASE_URL"],
                             broker_url=website.env["NEWSFLOW_BROKER_URL"])
    with TestClient(create_app(settings, auth=False)) as client:
        assert client.get("/api/stories").status_code == 200
        page = client.get("/pipeline")
    assert page.status_code == 200 and "(no auth)" in page.text
    assert 'class="replay"' in page.text  # the operator's button, without a token
