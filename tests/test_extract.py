"""Extraction of the fixture pages and of bad input, offline: the function the crawl calls.

Pages are taken as the fixture web serves them (`routes.route`: the bytes and Content-Type a
crawler receives, bad-input pages included), so new fixture pages are tested as they appear.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import time
from urllib.parse import urlsplit

import lxml.html
import pytest
from scrapy.exceptions import DropItem

from pipeline.demo.outlets import OUTLETS
from pipeline.demo.page import FIXTURE_NOW, slugify
from pipeline.demo.routes import route
from pipeline.extract.article import (
    MAX_PAGE_CHARS,
    ExtractPipeline,
    PageExtraction,
    extract_article,
    extract_page,
    extractor_settings,
)
from pipeline.extract.cli import FIELDS
from pipeline.extract.cli import main as extract_main
from pipeline.extract.declaredbody import FIX
from pipeline.items import PageItem
from warc.writer import RecordLocation

ROLLING_STONE = (
    "http://www.rollingstone.test/culture/culture-news/"
    "u-s-says-north-korea-was-centrally-involved-in-sony-hack-189329/"
)
# What a naive extraction of the Rolling Stone page lets through (shared/seeds/README.md).
SEED_CHROME = (
    "Home Culture Culture News",
    "In This Article:",
    "Powered by",
    "Created with Sketch",
    "Ed Jones/Getty",
)
# What each kind of page that is not an article is called (content/FORMAT.md "Bad input"); a
# paywall stub shows its headline, standfirst and lede: the outlet published it, so it is a teaser.
REASONS = {"video": "video page", "index": "index page", "empty": "empty page"}


def served(site, page) -> PageExtraction:
    response = route(site, page.host, page.path)
    return extract_page(response.body, page.url, content_type=response.content_type, captured_at=FIXTURE_NOW)


def html_page(body: str, head: str = "", charset: str | None = "utf-8") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    head = f"{meta}<title>A headline | Outlet</title>{head}"
    return f"<!doctype html><html lang='en'><head>{head}</head><body>{body}</body></html>"


PARAGRAPHS = [
    "Sony’s studio in Culver City said on Tuesday that its computer network was shut down after an attack.",
    "Employees were told to disconnect their laptops and to stay off the company’s wireless network.",
    "A group calling itself the “Guardians of Peace” took responsibility and threatened to release files.",
]
ARTICLE = "<article><h1>A headline</h1>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</article>"


def test_rolling_stone_keeps_headline_dek_and_body_and_drops_the_chrome(site):
    page = site.page(ROLLING_STONE)
    result = served(site, page)
    article = result.article
    assert article.title == page.title
    assert article.dek == page.dek
    assert article.text.split("\n") == page.text_lines(standfirst_shown=True)
    assert article.site_name == "Rolling Stone"
    # the caption, its alt text doubled, the credit and the tag list: none of it, unless the
    # article's own words say the same (the alt text is a name the story uses)
    chrome = [*SEED_CHROME, page.image_caption, page.image_credit, 2 * (page.image_alt or "")]
    chrome += [", ".join(page.tags)]
    for stored in (article.text, article.title, article.dek):
        for piece in filter(None, chrome):
            assert piece not in stored or any(piece in p for p in page.paragraphs), piece
    assert result.tags == page.tags
    assert result.fixes == ()


def test_every_article_keeps_its_paragraphs_and_nothing_else(site):
    """Cookie banners, captions, share counts, comments (6,300 on the huge page), related lists:
    none of it; a page served with a wrong charset or as mojibake comes out repaired."""
    for page in site.pages:
        if page.kind != "article":
            continue
        article = served(site, page).article
        assert article is not None, page.url
        shown = OUTLETS[page.host].prints_standfirst
        assert article.text.split("\n") == page.text_lines(shown), page.url
        assert article.language == "en", page.url


def test_a_page_built_in_the_browser_gives_the_text_its_json_ld_declares(site):
    """The fixture's scripted page sends its body only in JSON-LD, as sites that render in the
    browser do; the corpus gets the whole text all the same, and the fix says where it came from."""
    scripted = [page for page in site.pages if page.scripted]
    assert scripted
    for page in scripted:
        body = route(site, page.host, page.path).body
        tree = lxml.html.fromstring(gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body)
        for script in tree.xpath("//script"):
            script.drop_tree()
        assert page.paragraphs[1] not in tree.text_content()  # what the markup shows lacks it
        result = served(site, page)
        assert result.article.text.split("\n") == page.text_lines(standfirst_shown=True), page.url
        assert FIX in result.fixes


def test_pages_that_are_not_articles_say_why(site):
    kinds = {page.kind for page in site.pages} - {"article", "paywall"}
    for page in site.pages:
        if page.kind in REASONS:
            result = served(site, page)
            assert result.article is None, page.url
            assert result.reason == REASONS[page.kind], page.url
    assert kinds <= set(REASONS), f"a new kind of page needs a reason: {kinds - set(REASONS)}"


def test_a_paywall_stub_is_a_teaser_with_what_the_page_gives(site):
    stubs = [page for page in site.pages if page.kind == "paywall"]
    assert stubs
    for page in stubs:
        result = served(site, page)
        article = result.article
        assert article is not None, page.url
        assert (article.access, article.page_kind) == ("teaser", "article"), page.url
        assert (article.title, article.dek, article.published_at) == (page.title, page.dek, page.published)
        assert article.authors == list(page.authors)
        # the standfirst and the lede, no prompt
        assert article.text.split("\n") == page.text_lines(standfirst_shown=True), page.url


def test_home_and_section_pages_are_not_articles(site):
    for host in site.hosts:
        home = route(site, host, "/")
        assert (
            extract_page(home.body, f"http://{host}/", content_type=home.content_type).reason == "home page"
        )
        for name in site.outlet(host).sections:
            path = f"/section/{slugify(name)}/"
            response = route(site, host, path)
            if response.status == 200:
                result = extract_page(
                    response.body, f"http://{host}{path}", content_type=response.content_type
                )
                # a front with one teaser can leave no text at all once the menus are gone
                assert result.reason in ("index page", "no article text"), f"http://{host}{path}"


def test_bad_input_pages_of_the_fixture_web_are_repaired(site):
    for url, bad in site.bad_pages.items():
        if bad.expect != "article":
            continue
        page = site.page(url)
        result = served(site, page)
        assert result.article is not None, url
        if bad.problem == "wrong-charset":
            assert any(f.startswith(f"charset: declared {page.charset}") for f in result.fixes), result.fixes
        if bad.problem == "mojibake":
            assert "mojibake repaired (ftfy)" in result.fixes
            assert result.article.title == page.title


def test_wrong_charset_in_the_http_header_is_overruled_by_the_bytes():
    body = html_page(ARTICLE, charset=None).encode("utf-8")
    result = extract_page(body, "http://x.test/a/1", content_type="text/html; charset=ISO-8859-1")
    assert result.article.text.split("\n") == PARAGRAPHS
    assert result.fixes == ("charset: declared iso-8859-1 (HTTP header), decoded as utf-8",)


def test_wrong_meta_charset_is_overruled_by_the_bytes():
    body = html_page(ARTICLE, charset="windows-1252").encode("utf-8")
    result = extract_page(body, "http://x.test/a/1")
    assert result.article.text.split("\n") == PARAGRAPHS
    assert result.fixes == ("charset: declared windows-1252 (meta), decoded as utf-8",)


def test_windows_1252_bytes_declared_as_utf8_are_decoded_as_windows_1252():
    body = html_page(ARTICLE).encode("cp1252")
    result = extract_page(body, "http://x.test/a/1", content_type="text/html; charset=utf-8")
    assert result.article.text.split("\n") == PARAGRAPHS
    assert result.fixes == ("charset: declared utf-8 (HTTP header), decoded as cp1252",)


def as_mojibake(text: str) -> str:
    """UTF-8 bytes read as Windows-1252, the five bytes it lacks kept as they are (as browsers do)."""
    return "".join(
        bytes([b]).decode("cp1252") if b not in b"\x81\x8d\x8f\x90\x9d" else chr(b) for b in text.encode()
    )


def test_mojibake_in_the_page_itself_is_repaired():
    mojibake = as_mojibake(html_page(ARTICLE))
    assert "Sonyâ€™s" in mojibake
    result = extract_page(mojibake.encode("utf-8"), "http://x.test/a/1")
    assert result.article.text.split("\n") == PARAGRAPHS
    assert result.fixes == ("mojibake repaired (ftfy)",)


def test_a_truncated_body_keeps_its_text_and_says_so():
    body = html_page(ARTICLE).encode("utf-8")
    cut = body[: body.index(b"Guardians") - 2]  # inside the three bytes of “
    result = extract_page(cut, "http://x.test/a/1", content_type="text/html; charset=utf-8")
    assert result.article.text.startswith(PARAGRAPHS[0])
    assert result.fixes == ("charset: 1 undecodable byte(s) replaced",)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "text/html"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", None),
        (bytes(range(256)) * 4, "image/jpeg"),
        (b"PK\x03\x04" + b"\x00" * 100, "application/octet-stream"),
    ],
)
def test_binary_bodies_are_classified_not_parsed(body, content_type):
    assert extract_page(body, "http://x.test/a/1", content_type=content_type).reason == "binary"


@pytest.mark.parametrize(
    "body", [b"", b"   \n ", "", "<html><head><title>x</title></head><body>  </body></html>"]
)
def test_empty_pages(body):
    result = extract_page(body, "http://x.test/a/1")
    assert result == PageExtraction(None, "empty page")


def test_garbage_and_too_short_pages_are_classified():
    assert extract_page("<<<>>> <p <div", "http://x.test/a/1").reason in (
        "empty page",
        "too short",
        "no article text",
    )
    assert extract_page(html_page("<p>Just one short line.</p>"), "http://x.test/a/1").reason in (
        "too short",
        "no article text",
    )


def test_gigantic_page_is_refused_quickly():
    body = html_page("<p>word </p>" * (MAX_PAGE_CHARS // 10))
    started = time.perf_counter()
    assert extract_page(body, "http://x.test/a/1").reason == "too large"
    assert time.perf_counter() - started < 2


def test_a_long_page_under_the_limit_is_extracted():
    paragraphs = [
        f"Paragraph {n} of a very long report on the hack, with enough words to count." for n in range(3000)
    ]
    body = html_page(
        "<article><h1>A headline</h1>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article>"
    )
    article = extract_page(body, "http://x.test/a/1").article
    assert article.text.split("\n") == paragraphs


def test_a_marked_standfirst_opens_the_text_and_a_description_copying_the_lede_is_kept_once():
    """The standfirst the page marks (class "standfirst") is `dek`, and stays at the top of the text:
    the outlet published it as the article's opening. A byline under it goes. A meta description
    that copies the first paragraph below a kicker is that paragraph, which the body keeps once."""
    standfirst = "The studio shut its network down after the attack, and staff were sent home."
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    marked = html_page(
        f'<article><h1>A headline</h1><p class="standfirst">{standfirst}</p>'
        f'<p class="byline">By Dana Whitfield</p>{paragraphs}</article>',
        '<meta name="author" content="Dana Whitfield">',
    )
    article = extract_page(marked, "http://x.test/a/1").article
    assert article.dek == standfirst
    assert article.text.split("\n") == [standfirst, *PARAGRAPHS]
    copied = html_page(
        f"<article><p>Exclusive</p><h1>A headline</h1>{paragraphs}</article>",
        f'<meta name="description" content="{PARAGRAPHS[0]}">',
    )
    article = extract_page(copied, "http://x.test/a/1").article
    assert article.text.split("\n") == PARAGRAPHS


def test_a_standfirst_set_as_a_subheading_under_the_headline_opens_the_text_and_one_elsewhere_does_not():
    """Extractors leave out a standfirst set as a heading (<h2 class="dek">); printed just under the
    headline it is the article's opening all the same. A marked element away from the headline (a
    section's strapline in the sidebar) is no part of the text."""
    standfirst = "The studio shut its network down after the attack, and staff were sent home."
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    under = html_page(f'<article><h1>A headline</h1><h2 class="dek">{standfirst}</h2>{paragraphs}</article>')
    article = extract_page(under, "http://x.test/a/1").article
    assert article.text.split("\n") == [standfirst, *PARAGRAPHS]
    elsewhere = html_page(
        f'<article><h1>A headline</h1>{paragraphs}</article><div><p class="standfirst">{standfirst}</p></div>'
    )
    article = extract_page(elsewhere, "http://x.test/a/1").article
    assert article.dek == standfirst
    assert article.text.split("\n") == PARAGRAPHS


def test_paywall_prompt_lines_are_dropped_from_a_long_paywalled_article():
    ld = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "isAccessibleForFree": "False"}</script>'
    )
    long_text = "".join(f"<p>{p} {p}</p>" for p in PARAGRAPHS * 3)
    result = extract_page(
        html_page(
            f"<article><h1>A headline</h1>{long_text}<p>Subscribe to continue reading.</p></article>", ld
        ),
        "http://x.test/a/1",
    )
    assert "Subscribe to continue reading" not in result.article.text
    assert any(f.startswith("paywall:") for f in result.fixes)
    assert result.article.access == "paywalled"
    stub = html_page(
        f"<article><h1>A headline</h1><p>{PARAGRAPHS[0]}</p><p>Subscribe to continue reading.</p></article>"
    )
    teaser = extract_page(stub, "http://x.test/a/1").article
    assert (teaser.access, teaser.text) == ("teaser", PARAGRAPHS[0])
    prompt_only = html_page("<article><h1>A headline</h1><p>Subscribe to continue reading.</p></article>")
    assert extract_page(prompt_only, "http://x.test/a/1").reason == "paywall stub"


def test_declared_video_page():
    head = '<meta property="og:type" content="video.other">'
    caption = "<article><h1>A headline</h1><p>Fans queue outside a cinema in Los Angeles.</p></article>"
    assert extract_page(html_page(caption, head), "http://x.test/a/1").reason == "video page"
    # three sentences of its own: the clip comes with a written story, kept and flagged
    article = extract_page(html_page(ARTICLE, head), "http://x.test/a/1").article
    assert (article.page_kind, article.text.split("\n")) == ("video", PARAGRAPHS)


def test_extract_article_is_the_article_of_extract_page(site):
    page = site.page(ROLLING_STONE)
    html = route(site, page.host, page.path).body.decode("utf-8")
    assert extract_article(html, page.url) == extract_page(html, page.url).article
    assert extract_article("   ", "http://x.test/a") is None
    with pytest.raises(ValueError, match="favor"):
        extract_article(html, page.url, favor="fast")


def test_settings_name_everything_that_changes_the_output():
    balanced, precision = extractor_settings("balanced"), extractor_settings("precision")
    assert json.loads(json.dumps(balanced)) == balanced
    assert balanced["trafilatura"]["favor"] == "balanced" and precision["trafilatura"]["favor"] == "precision"
    assert not extractor_settings("recall")["readability_check"]["used"]
    assert {"dateparser", "ftfy", "htmldate"} <= set(balanced["versions"])
    assert balanced["no_article"]["kept_with_prose"] == {"sentences": 3, "sentence_words": 8}


class Stats:
    def __init__(self):
        self.values: dict[str, int] = {}

    def inc_value(self, key, count=1):
        self.values[key] = self.values.get(key, 0) + count


def page_item(url: str, body: bytes, encoding: str = "utf-8") -> PageItem:
    location = RecordLocation("x.warc.gz", 0, 1, "<urn:uuid:1>", None, "2014-12-19T00:00:00Z")
    return PageItem(url, body, encoding, dt.datetime(2015, 3, 1, tzinfo=dt.UTC), location)


def test_pipeline_drops_pages_without_article_and_counts_why(site):
    stats = Stats()
    stage = ExtractPipeline(stats=stats, favor="balanced")
    with pytest.raises(DropItem, match="^home page$"):
        stage.process_item(
            page_item("http://www.pacificcourier.test/", b"<html><body><p>x</p></body></html>")
        )
    with pytest.raises(DropItem, match="^empty page$"):
        stage.process_item(page_item("http://x.test/a/1", b""))
    page = site.page(ROLLING_STONE)
    item = stage.process_item(page_item(page.url, route(site, page.host, page.path).body))
    assert item.extracted.title == page.title
    assert stats.values == {
        "extract/no_article": 2,
        "extract/no_article/home page": 1,
        "extract/no_article/empty page": 1,
        "extract/articles": 1,
    }
    with pytest.raises(ValueError):
        ExtractPipeline(favor="sometimes")


def test_extract_command_prints_what_the_pipeline_stores(site, tmp_path, capsys):
    page = site.page(ROLLING_STONE)
    body = route(site, page.host, page.path).body
    (tmp_path / "b.html.gz").write_bytes(gzip.compress(body))
    (tmp_path / "a.html").write_bytes(body)
    (tmp_path / "c.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / "notes.txt").write_text("not a page")
    assert extract_main([str(tmp_path), "--url", page.url]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["path"].rsplit("/", 1)[1] for r in records] == ["a.html", "b.html.gz", "c.html"]
    first, second, binary = records
    assert set(first) == {"path", *FIELDS}
    assert {k: v for k, v in first.items() if k != "path"} == {k: v for k, v in second.items() if k != "path"}
    assert first["title"] == page.title and first["reason"] is None
    assert first["text"].split("\n") == page.text_lines(standfirst_shown=True)
    assert first["word_count"] == len(first["text"].split())
    assert first["published_at"] == page.published.isoformat()
    assert first["tags"] == list(page.tags)
    assert (first["access"], first["page_kind"]) == ("open", "article")
    assert binary["reason"] == "binary" and binary["title"] is None


def test_extract_command_missing_file_and_broken_gzip(tmp_path, capsys):
    assert extract_main([str(tmp_path / "nope.html")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nope.html" in err
    (tmp_path / "broken.html.gz").write_bytes(b"\x1f\x8b\x08 not gzip")
    assert extract_main([str(tmp_path / "broken.html.gz")]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["reason"].startswith("unreadable")


def test_pipeline_checks_the_charset_the_fetch_settled_on():
    stats = Stats()
    stage = ExtractPipeline(stats=stats)
    header = stage.process_item(
        page_item("http://x.test/a/1", html_page(ARTICLE, charset=None).encode(), "cp1252")
    )
    assert header.extracted.text.split("\n") == PARAGRAPHS
    meta = page_item("http://x.test/a/2", html_page(ARTICLE, charset="windows-1252").encode(), "cp1252")
    assert stage.process_item(meta).extracted.text.split("\n") == PARAGRAPHS
    assert stats.values["extract/fixes"] == 2


def test_odd_structured_data_does_not_break_extraction():
    ld = (
        '<script type="application/ld+json">{"@type": ["NewsArticle"], "keywords": [{"a": 1}, "Sony"],'
        ' "author": 5, "publisher": "P", "datePublished": 12345,'
        ' "headline": ["A headline", "Other"]}</script>'
        '<script type="application/ld+json">{oops</script>'
    )
    result = extract_page(html_page(ARTICLE, ld), "http://x.test/a/1")
    assert result.article.title == "A headline"
    assert result.tags == ("Sony",)
    assert result.article.published_at is None


def test_an_unexpected_error_is_a_reason_not_a_crash(monkeypatch):
    def broken(*args):
        raise RuntimeError("bug")

    monkeypatch.setattr("pipeline.extract.metadata.title", broken)
    result = extract_page(html_page(ARTICLE), "http://x.test/a/1")
    assert result == PageExtraction(None, "extraction failed: RuntimeError")


def test_amp_print_and_mobile_variants_give_the_same_article(site):
    """The same paragraphs, headline, authors and dates; the standfirst opens the text where the
    variant prints it (the print page does, AMP and mobile pages do not)."""
    for url, page in getattr(site, "variant_pages", {}).items():
        parts = urlsplit(url)
        response = route(site, parts.hostname, parts.path, parts.query)
        result = extract_page(response.body, url, content_type=response.content_type, captured_at=FIXTURE_NOW)
        article = result.article
        assert article is not None, url
        kind = next(k for k in page.variants if page.variant_url(k) == url)
        shown = kind == "print" or (kind == "index" and OUTLETS[page.host].prints_standfirst)
        assert article.text.split("\n") == page.text_lines(shown), url
        assert (article.title, article.authors, article.published_at) == (
            page.title,
            list(page.authors),
            page.published,
        ), url
        # a variant names its article with rel=canonical, except where the outlet forgot to
        assert article.canonical_url in (page.url, None), url
