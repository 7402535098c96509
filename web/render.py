"""Templates with autoescaping on (article text is hostile input), and the one function
pages answer with: it adds the signed-in principal, the CSRF token and the navigation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse

from web.auth import Principal
from web.csrf import CSRF_FIELD, csrf_token, set_csrf_cookie

__all__ = ["NAV", "STATIC_DIR", "render"]

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
# (label, path) of the top navigation; a new page group (watches) appends its entry.
NAV: list[tuple[str, str]] = [
    ("Stories", "/"), ("Search", "/search"), ("Entities", "/entities"), ("Pipeline", "/pipeline"),
    ("Watches", "/watches"), ("Sources", "/sources"),
]

# autoescape=True for every template (not only *.html): nothing a page shows is trusted.
_env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True, undefined=StrictUndefined,
    trim_blocks=True, lstrip_blocks=True,
)


def render(request: Request, template: str, principal: Principal | None,
           status_code: int = 200, **context: Any) -> HTMLResponse:
    page = _env.get_template(template).render(
        request=request, principal=principal, nav=NAV, csrf_field=CSRF_FIELD,
        csrf_token=csrf_token(request), path=request.url.path, **context,
    )
    response = HTMLResponse(page, status_code=status_code)
    set_csrf_cookie(request, response)
    return response
