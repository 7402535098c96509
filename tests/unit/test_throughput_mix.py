"""The benchmark feed's copies of pages: another edition, and another site's template."""

from __future__ import annotations

import json
import random
from pathlib import Path
from urllib.parse import urlsplit

from bench.throughput_mix import make_mix
from tasks.storage.page_copies import is_page_copy, page_text, shingles

SITES = ("news.alpha.example", "www.beta.example", "gamma.example")


_VOCABULARY = ("council town river bank plan vote residents district market harbour ferry "
               "school budget mayor police report storm road bridge hospital doctor nurse "
               "teacher farmer price bread energy water museum concert festival court judge "
               "union strike train station airport weather summer winter election party")
WORDS = _VOCABULARY.split()


def _page(site: str, n: int) -> str:
    rng = random.Random(n)  # every story its own words
    paragraphs = "".join(
        "<p>" + " ".join(rng.choice(WORDS) for _ in range(30)) + ".</p>" for _ in range(8))
    return (f"<html><head><title>Story {n}</title></head><body><header><a href='/'>{site}"
            f"</a></header><nav><ul><li><a href='/a'>Alpha</a></li></ul></nav><main><h1>Story"
            f" {n}</h1><div class='body'>{paragraphs}</div></main><footer><p>{site} footer"
            "</p></footer></body></html>")


def _corpus(tmp_path: Path) -> tuple[Path, Path]:
    dev = tmp_path / "dev"
    dev.mkdir()
    for s, site in enumerate(SITES):
        for n in range(4):
            name = f"p{s}{n}"
            (dev / f"{name}.html").write_text(_page(site, 10 * s + n), encoding="utf-8")
            (dev / f"{name}.json").write_text(json.dumps(
                {"url": f"https://{site}/story-{n}", "lang": "en"}), encoding="utf-8")
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("", encoding="utf-8")
    return dev, pairs


def test_page_copies_are_re_dressed_pages_that_still_hold_the_article(tmp_path: Path) -> None:
    dev, pairs = _corpus(tmp_path)
    mix = make_mix(dev, pairs, tmp_path / "mix.jsonl", dup_share=0.4, min_gap=1)
    lines = [json.loads(x) for x in mix.path.read_text(encoding="utf-8").splitlines()]
    originals = {line["url"]: line["html"] for line, kind in zip(lines, mix.kinds, strict=True)
                 if kind == "original"}
    assert {"near", "template"} <= set(mix.kinds)
    for line, kind in zip(lines, mix.kinds, strict=True):
        if kind not in ("near", "template"):
            continue
        copy = line["html"]
        assert copy not in originals.values()  # other bytes: no raw-hash match
        held = [url for url, html in originals.items()
                if is_page_copy(page_text(html), shingles(page_text(copy)))]
        assert len(held) == 1, (kind, line["url"], held)  # its own original's article, only
        if kind == "template":  # on another site's page, under the article's title
            title = originals[held[0]].split("<title>")[1].split("</title>")[0]
            assert f"<title>{title}</title>" in copy
            assert urlsplit(line["url"]).hostname != urlsplit(held[0]).hostname
        else:
            assert "Advertisement" in copy and "Most read" in copy


def test_a_page_whose_paragraphs_are_not_its_article_gives_no_template_copy() -> None:
    from bench.throughput_mix import _other_template

    rng = random.Random(3)
    article = "<br>".join(" ".join(rng.choice(WORDS) for _ in range(40)) + "." for _ in range(6))
    teasers = "".join(f"<p><a href='/more/{n}'>" + " ".join(rng.choice(WORDS) for _ in range(40))
                      + "</a></p>" for n in range(8))
    page = (f"<html><head><title>Divs</title></head><body><main><h1>Divs</h1><div class='text'>"
            f"{article}</div></main><section class='more'>{teasers}</section></body></html>")
    host = {"url": "https://www.beta.example/story-9", "html": _page("www.beta.example", 9)}
    line = {"url": "https://news.alpha.example/story-1", "html": _page("news.alpha.example", 1)}
    assert _other_template(line, host, 1) is not None  # its paragraphs are its article
    # its teasers hold its <p> text: moving them would copy no article
    assert _other_template({"url": "https://gamma.example/divs", "html": page}, host, 1) is None
