"""The five-field metadata reader gives what trafilatura.extract_metadata gives."""

from __future__ import annotations

import json

import pytest
from trafilatura import extract_metadata, load_html

from tasks.cleaning.trafilatura_meta import FIELDS, trafilatura_fields
from tests.conftest import CORPUS_DEV

# pages whose fields come from different steps: JSON-LD, meta tags, bylines in the markup,
# <h1>/<title> titles, htmldate's search in the text
PAGES = [
    "tf-zdnet.de.facebook",
    "tf-fivethirtyeight.com.endorsement",
    "tf-bondyblog.fr.paris-8",
    "tf-gala.fr.surnom",
    "tf-sauvonsluniversite.com.spip",
    "lg-en-vox-unemployment-insurance-congress",
]


@pytest.mark.parametrize("name", PAGES)
def test_same_fields_as_extract_metadata(name: str) -> None:
    if not (CORPUS_DEV / f"{name}.html").exists():
        pytest.skip("shared corpus not mounted")
    meta = json.loads((CORPUS_DEV / f"{name}.json").read_text(encoding="utf-8"))
    html = (CORPUS_DEV / f"{name}.html").read_bytes().decode(
        str(meta["encoding"]).split()[0], errors="replace"
    )
    tree = load_html(html)
    expected = extract_metadata(tree, meta["url"])
    found = trafilatura_fields(tree, meta["url"])
    assert found == {name: getattr(expected, attr) for name, attr in FIELDS.items()}
    assert found["title"]  # the page has one: the comparison is not between two Nones


def test_a_one_word_meta_author_is_not_taken() -> None:
    tree = load_html(
        "<html><head><meta name='author' content='jdoe'><title>A headline here</title></head>"
        "<body><p>Text.</p></body></html>"
    )
    assert trafilatura_fields(tree, None)["author"] is None
