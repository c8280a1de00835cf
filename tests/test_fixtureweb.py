"""The fixture web itself: URL variants, editions, story labels and bad input, fetched through the
server as a proxy, and the strictness of its content format."""

from __future__ import annotations

import gzip
import html
import itertools
import re
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from pipeline.demo import FixtureWeb, load_site
from pipeline.demo.outlets import OUTLETS
from pipeline.demo.page import FIXTURE_NOW, VARIANT_KINDS
from pipeline.demo.parse import parse_page

GZIP_HOSTS = {h for h, o in OUTLETS.items() if o.gzip}
_CANONICAL = re.compile(r'<link rel="canonical" href="([^"]*)">')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    def __init__(self, web: FixtureWeb) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({"http": web.proxy_url}), _NoRedirect()
        )

    def get(self, url: str, gzip_ok: bool = False):
        """(status, headers, body bytes as sent)."""
        headers = {"Accept-Encoding": "gzip"} if gzip_ok else {}
        try:
            with self.opener.open(urllib.request.Request(url, headers=headers), timeout=30) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers, error.read()

    def text(self, url: str) -> str:
        status, headers, body = self.get(url)
        assert status == 200, (url, status)
        return body.decode("utf-8")


@pytest.fixture(scope="module")
def web(site):
    """A server of its own: these tests change its edition."""
    with FixtureWeb(site=site) as web:
        yield web


@pytest.fixture(scope="module")
def client(web):
    return Client(web)


def visible(page_html: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page_html))


# -- URL variants -----------------------------------------------------------


def test_variants_cover_every_kind_across_outlets(site):
    pages = [p for p in site.articles(None) if p.variants]
    kinds = Counter(k for p in pages for k in p.variants)
    assert len(pages) >= 8 and len({p.host for p in pages}) >= 4
    assert set(kinds) == set(VARIANT_KINDS) and min(kinds.values()) >= 2, kinds
    assert len(site.variant_pages) == sum(kinds.values())
    for page in pages:
        for url in page.variant_urls:
            assert site.variant_pages[url] is page
            assert site.canonical(url) == page.url
            assert url not in {p.url for p in site.pages}


def test_every_variant_is_served_with_its_canonical_link(site, client):
    without_canonical = []
    for page in (p for p in site.articles(None) if p.variants):
        article = client.text(page.url)
        for kind, url in zip(page.variants, page.variant_urls, strict=True):
            status, headers, body = client.get(url)
            assert status == 200, url
            assert headers["Content-Type"] == "text/html; charset=utf-8", url
            text = body.decode("utf-8")
            canonical = _CANONICAL.findall(text)
            if not canonical:
                without_canonical.append(url)
            else:
                assert canonical == [page.url], url
            shown = visible(text)
            assert page.title in shown, url
            for paragraph in page.paragraphs:
                assert paragraph in shown, url
            if kind == "amp":
                assert '<html ⚡ lang="en">' in text and "<style amp-boilerplate>" in text
                assert "https://cdn.ampproject.org/v0.js" in text
            elif kind == "index":
                assert text == article, url
            elif kind == "mobile":
                assert url.startswith("http://m.") and 'class="m-site"' in text
            elif kind == "print":
                assert 'class="print-view"' in text
            if kind != "index":
                assert text != article
    [url] = without_canonical
    assert url.startswith("http://www.capitaltribune.test/") and url.endswith("?print=1")
    assert not OUTLETS["www.capitaltribune.test"].print_canonical


def test_variant_queries_on_other_articles_serve_the_article(site, client):
    page = next(p for p in site.articles() if not p.variants and p.path.endswith("/"))
    article = client.text(page.url)
    assert client.text(page.url + "?print=1") == article
    assert client.text(page.url + "?outputType=amp") == article
    assert client.get(page.url + "amp/")[0] == 404
    assert client.get(page.url + "index.html")[0] == 404


def test_mobile_hosts_are_aliases_not_outlets(site, client):
    assert len(site.hosts) == 6 and all(h.startswith("www.") for h in site.hosts)
    assert site.aliases
    for alias, host in site.aliases.items():
        assert alias == "m." + host.removeprefix("www.") and alias not in site.hosts
        assert any("mobile" in p.variants for p in site.pages if p.host == host)
        status, headers, body = client.get(f"http://{alias}/robots.txt")
        assert status == 200 and b"User-agent" in body
        status, headers, _ = client.get(f"http://{alias}/section/anything/?a=1")
        assert status == 302 and headers["Location"] == f"http://{host}/section/anything/?a=1"
    pc = "www.pacificcourier.test"
    without = next(p for p in site.articles() if "mobile" not in p.variants and p.host == pc)
    status, headers, _ = client.get(f"http://m.pacificcourier.test{without.path}")
    assert status == 302 and headers["Location"] == without.url


def test_the_gzip_outlets_still_gzip_and_unknown_hosts_get_502(site, client):
    assert GZIP_HOSTS == {"www.pacificcourier.test", "www.bitwire.test"}
    for page in site.articles():
        urls = [page.url] + [u for u in page.variant_urls if u.startswith("http://m.")]
        for url in urls:
            status, headers, body = client.get(url, gzip_ok=True)
            assert status == 200
            if page.host in GZIP_HOSTS:
                assert headers["Content-Encoding"] == "gzip", url
                assert page.paragraphs[0] in html.unescape(gzip.decompress(body).decode())
            else:
                assert headers.get("Content-Encoding") is None, url
    for host in ("www.example.com", "m.rollingstone.test", "pacificcourier.test", "m.example.test"):
        status, _, body = client.get(f"http://{host}/")
        assert status == 502 and b"unknown fixture host" in body, host


def _direct(web) -> str:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(web.proxy_url + "/", timeout=10) as response:
        return response.read().decode()


def test_the_proxy_port_lists_the_variants(site, web):
    index = _direct(web)
    for url in site.variant_pages:
        assert html.escape(url) in index


# -- editions ---------------------------------------------------------------


def test_real_updates_and_noise_are_labelled(site):
    updated = [p for p in site.articles() if p.has_real_update]
    assert len(updated) >= 3
    assert any(p.title_for(2) != p.title_for(1) for p in updated)
    assert any(len(p.paragraphs_for(2)) > len(p.paragraphs_for(1)) for p in updated)
    assert any(
        len(p.paragraphs_for(2)) == len(p.paragraphs_for(1)) + 1
        and sum(a != b for a, b in zip(p.paragraphs_for(1), p.paragraphs_for(2), strict=False)) == 1
        for p in updated
    ), "a correction: one paragraph changed, one added"
    volatile = [p for p in site.articles() if p.volatile]
    assert len(volatile) >= 3 and not set(volatile) & set(updated)
    for page in site.pages:
        assert page.paragraphs_for(1) == page.paragraphs and page.title_for(1) == page.title
        if not page.has_real_update:
            assert page.paragraphs_for(5) == page.paragraphs and page.title_for(5) == page.title


def test_editions_switch_while_serving(site, web, client):
    updated = [p for p in site.articles() if p.has_real_update]
    volatile = [p for p in site.articles() if p.volatile]
    # hosts without updated or volatile pages serve the very same bytes in every edition
    changing = {p.host for p in updated + volatile}
    steady = [p for p in site.pages if p.host not in changing]
    assert steady
    before = {p.url: client.get(p.url) for p in updated + volatile + steady}
    try:
        web.edition = 2
        for page in updated:
            status, headers, body = client.get(page.url)
            shown, shown_before = visible(body.decode()), visible(before[page.url][2].decode())
            assert status == 200 and page.title_for(2) in shown
            for paragraph in page.paragraphs_for(2):
                assert paragraph in shown, page.url
            news = [p for p in page.paragraphs_for(2) if p not in shown_before]
            assert news or page.title_for(2) not in shown_before, page.url
            if page.updated_for(2) != page.updated_for(1):
                assert headers["Last-Modified"] != before[page.url][1]["Last-Modified"]
            for url in page.variant_urls:  # the variants serve the new edition too
                assert page.paragraphs_for(2)[-1] in visible(client.text(url))
        for page in volatile:
            text = client.text(page.url)
            old = before[page.url][2].decode()
            assert text != old
            stats = re.compile(r'<p class="live-stats">([^<]*)</p>')
            assert stats.search(text).group(1) != stats.search(old).group(1)
            assert re.fullmatch(r"Updated \d+ minutes ago · [\d,]+ shares", stats.search(text).group(1))
            for paragraph in page.paragraphs:
                assert paragraph in visible(text)
        for page in steady:
            assert client.get(page.url)[2] == before[page.url][2], page.url
        assert "Edition served: 2" in _direct(web)
    finally:
        web.edition = 1
    for page in updated:
        assert client.get(page.url)[2] == before[page.url][2]


def test_edition_is_a_constructor_argument_and_is_checked(site):
    web = FixtureWeb(site=site, edition=2)
    assert web.edition == 2
    for bad in (0, -1, "2", 1.5, True):
        with pytest.raises(ValueError):
            web.edition = bad
    with pytest.raises(ValueError):
        FixtureWeb(site=site, edition=0)
    assert site.at(2).page(site.updated_pages[0].url).paragraphs == site.updated_pages[0].paragraphs_for(2)
    assert site.at(1) is site


# -- stories ----------------------------------------------------------------


def _shingles(text: str, k: int = 5) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + k]) for i in range(len(words) - k + 1)}


def _overlap(a, b) -> float:
    sa, sb = _shingles(a.text), _shingles(b.text)
    return len(sa & sb) / len(sa | sb)


def test_story_clusters_and_pairs(site):
    stories = site.stories()
    assert len(stories) >= 6
    for label, pages in stories.items():
        assert 2 <= len(pages) <= 4, label
        assert len({p.host for p in pages}) == len(pages), label  # one copy per outlet
        assert all(p.kind == "article" and p.topic == "on" for p in pages)
    pairs = site.story_pairs()
    assert pairs == {
        tuple(sorted((a.url, b.url)))
        for pages in stories.values()
        for a, b in itertools.combinations(pages, 2)
    }
    assert all(a < b and site.page(a).story == site.page(b).story for a, b in pairs)
    for a, b in pairs:
        assert _overlap(site.page(a), site.page(b)) >= 0.5, (a, b)
    rewrites = [(a, b) for a, b in pairs if site.page(a).text != site.page(b).text]
    assert len(rewrites) >= 6
    assert any(site.page(a).title != site.page(b).title for a, b in rewrites)


def test_syndicated_copies_are_labelled_with_their_original(site):
    copies = [p for p in site.articles() if p.syndicated_from]
    assert len(copies) >= 4
    for copy in copies:
        assert copy.story, copy.url
        originals = [p for p in site.stories()[copy.story] if p.host == copy.syndicated_from]
        assert len(originals) == 1, copy.url


def test_distinct_reports_of_one_event_are_kept_apart(site):
    pairs = site.event_pairs()
    assert len(pairs) >= 6
    assert not pairs & site.story_pairs()
    for a, b in pairs:
        pa, pb = site.page(a), site.page(b)
        assert pa.event == pb.event and (pa.story is None or pa.story != pb.story)
        assert _overlap(pa, pb) < 0.2, (a, b)


# -- bad input ----------------------------------------------------------------


def test_bad_pages_cover_every_problem(site):
    problems = Counter(bad.problem for bad in site.bad_pages.values())
    assert set(problems) == {
        "wrong-charset",
        "no-charset",
        "mojibake",
        "index",
        "video",
        "paywall",
        "empty",
        "huge",
        "future-date",
        "predates-outlet",
    }
    articles = {p.url for p in site.articles(None)}
    for url, bad in site.bad_pages.items():
        assert bad.expect in ("article", "teaser", "skip") and bad.handling
        assert (url in articles) == (bad.expect == "article"), url
    assert not any(p.kind != "article" for p in site.pages if p.url not in site.bad_pages)


def test_bad_pages_are_served_as_described(site, client):
    for url, bad in site.bad_pages.items():
        page = site.page(url)
        status, headers, body = client.get(url)
        assert status == 200, url
        ctype = headers["Content-Type"]
        if bad.problem == "empty":
            assert body == b"" and headers["Content-Length"] == "0"
            continue
        text = body.decode("utf-8")  # the bytes are always UTF-8, whatever is declared
        shown = visible(text)
        if bad.problem == "wrong-charset":
            assert ctype == f"text/html; charset={page.charset}" and "<meta charset" not in text
            assert any(ord(c) > 127 and c not in "‘’“”—" for c in page.text)  # accents too
            assert all(p in shown for p in page.paragraphs)
            assert body.decode(page.charset) != text  # a client trusting the header gets mojibake
        elif bad.problem == "no-charset":
            assert ctype == "text/html" and "charset" not in text.lower()
            assert all(p in shown for p in page.paragraphs)
        elif bad.problem == "mojibake":
            assert ctype == "text/html; charset=utf-8" and "â€™" in text
            assert not any(p in shown for p in page.paragraphs if "’" in p)
            repaired = [_unmojibake(p) for p in _body_paragraphs(text, 'id="story-body"')]
            assert repaired == list(page.paragraphs)
        elif bad.problem == "huge":
            assert 1_900_000 <= len(body) <= 2_500_000
            assert all(p in shown for p in page.paragraphs)
        elif bad.problem == "future-date":
            assert page.published > FIXTURE_NOW and page.published.isoformat() in text
        elif bad.problem == "predates-outlet":
            assert page.published.year < OUTLETS[page.host].founded
            assert page.published.isoformat() in text
        elif bad.problem == "video":
            assert '<meta property="og:type" content="video.other">' in text and "<video" in text
            assert len(page.paragraphs) == 2 and all(p in shown for p in page.paragraphs)
        elif bad.problem == "paywall":
            assert "Subscribe to continue reading" in text and len(page.paragraphs) == 1
            assert page.paragraphs[0] in shown
        elif bad.problem == "index":
            linked = set(re.findall(r'href="([^"]+)"', text)) & {p.url for p in site.articles()}
            assert len(linked) >= 5 and re.match(r"^/\d{4}/\d{2}/\d{2}/[a-z-]+/$", page.path)
        if bad.problem != "mojibake":
            assert page.title in shown, url


def _body_paragraphs(text: str, marker: str) -> list[str]:
    body = text[text.index(marker) :]
    body = body[: body.index("</div>")]
    return [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", body)]


def _unmojibake(text: str) -> str:
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1252")
        except UnicodeEncodeError:
            out.append(ord(char))
    return out.decode("utf-8")


# -- the content format -------------------------------------------------------

GOOD = """kind: article
topic: on
path: /a/
title: A headline
published: 2014-12-19T10:00:00-05:00
section: World
{extra}---
{body}
"""


@pytest.mark.parametrize(
    ("extra", "body", "problem"),
    [
        ("colour: red\n", "Text.", "unknown key 'colour'"),
        ("variants: amp, pdf\n", "Text.", "unknown variant 'pdf'"),
        ("variants: amp, amp\n", "Text.", "listed twice"),
        ("volatile: maybe\n", "Text.", "'volatile' must be 'yes' or 'no'"),
        ("story: Big Story\n", "Text.", "'story' must be a label"),
        ("charset: utf-8\n", "Text.", "bytes are UTF-8 anyway"),
        ("charset: klingon\n", "Text.", "unknown charset"),
        ("comments: many\n", "Text.", "comments must be a positive number"),
        ("title_1: Old\n", "Text.", "edition keys start at title_2"),
        ("", "One.\n\n=== edition 2 ===\n\n", "edition 2 has no paragraphs"),
        ("", "One.\n\n=== edition 3 ===\n\nThree.\n\n=== edition 2 ===\n\nTwo.", "must come after"),
        ("", "One.\n\n=== edition two ===\n\nTwo.", "expected '=== edition N ==='"),
        ("", "", "the body has no paragraphs"),
    ],
)
def test_malformed_content_is_rejected_with_file_and_problem(tmp_path, extra, body, problem):
    host = tmp_path / "www.example.test"
    host.mkdir()
    file = host / "broken.txt"
    file.write_text(GOOD.format(extra=extra, body=body), encoding="utf-8")
    with pytest.raises(ValueError) as error:
        load_site(tmp_path)
    assert str(file) in str(error.value) and problem in str(error.value), str(error.value)


@pytest.mark.parametrize(
    ("kind_line", "extra", "body", "problem"),
    [
        ("kind: paywall", "", "One.\n\nTwo.", "a 'paywall' page has 1 paragraphs, this one has 2"),
        ("kind: empty", "", "Not empty.", "a 'empty' page has 0 paragraphs"),
        ("kind: video", "", "One.\n\nTwo.\n\nThree.", "has 1 to 2 paragraphs"),
        ("kind: video", "variants: amp\n", "Caption.", "only allowed on kind 'article'"),
        ("kind: article", "variants: index\n", "Text.", "needs a path ending in '/'"),
        ("kind: podcast", "", "Text.", "kind must be one of"),
    ],
)
def test_kind_rules(kind_line, extra, body, problem):
    text = GOOD.format(extra=extra, body=body).replace("kind: article", kind_line)
    if "index" in extra:
        text = text.replace("path: /a/", "path: /a")
    with pytest.raises(ValueError, match=re.escape(problem)) as error:
        parse_page(text, "www.example.test", source="content/www.example.test/x.txt")
    assert str(error.value).startswith("content/www.example.test/x.txt: ")


def test_a_label_used_once_is_a_typo(tmp_path):
    host = tmp_path / "www.example.test"
    host.mkdir()
    (host / "one.txt").write_text(GOOD.format(extra="story: lonely\n", body="Text."), encoding="utf-8")
    with pytest.raises(ValueError, match=r"one\.txt: story 'lonely' is used by no other page"):
        load_site(tmp_path)
    (host / "two.txt").write_text(
        GOOD.format(extra="story: lonely\n", body="Text.").replace("/a/", "/b/"), encoding="utf-8"
    )
    site = load_site(tmp_path)
    assert site.story_pairs() == {("http://www.example.test/a/", "http://www.example.test/b/")}


def test_the_bundled_content_parses_and_every_edition_body_is_whole():
    site = load_site()
    assert Path(site.root).name == "content"
    for page in site.pages:
        numbers = [e.number for e in page.editions]
        assert numbers[0] == 1 and numbers == sorted(set(numbers))
        for edition in page.editions:
            assert edition.paragraphs or page.kind == "empty"
