"""The spider's seen set: links already asked for in this run are dropped before any request is
built, known by their canonical form or as linked, and the set keeps 8-byte hashes, not URLs."""

from __future__ import annotations

import datetime as dt
import gc
import gzip
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from pipeline.collection import load_collection
from spiders.base import DiscoverySpider
from spiders.collection import CollectionSpider
from warc.middleware import PAGE_LINKS
from warc.outlinks import PageLinks, html_root, read_links
from warc.writer import Fetch, FetchWriter, HttpExchange, WarcFileWriter, payload_digest

COLLECTION = """[collection]
name = "seen"
title = "Seen links"
keywords = ["Sony", "hack", "North Korea"]
[[seeds]]
url = "http://www.bitwire.test/"
[links]
depth = 2
per_outlet = 1000
"""


def spider(tmp_path: Path) -> CollectionSpider:
    path = tmp_path / "seen.toml"
    path.write_text(COLLECTION)
    crawler = get_crawler(CollectionSpider)
    crawler.spider = CollectionSpider.from_crawler(crawler, collection=load_collection(path))
    return crawler.spider


def page(url: str, hrefs: list[str]) -> HtmlResponse:
    links = "".join(f'<a href="{h}">Sony hack: North Korea named</a>' for h in hrefs)
    body = f"<html><head><title>Sony hack</title></head><body><p>Sony hack.</p>{links}</body></html>"
    request = Request(url, meta={"discovered_via": "seeds", "link_depth": 0})
    return HtmlResponse(url, body=body.encode(), encoding="utf-8", request=request)


def test_a_url_is_claimed_once_in_any_of_its_forms(tmp_path):
    s = spider(tmp_path)
    assert s.claim("http://www.bitwire.test/a/?y=2&x=1")
    assert not s.claim("http://www.bitwire.test/a/?x=1&y=2")  # the same canonical URL
    assert not s.claim("http://www.bitwire.test/a/?y=2&x=1#comments")
    assert s.seen_link("http://www.bitwire.test/a/?y=2&x=1")  # as linked: no canonical form needed
    assert not s.seen_link("http://www.bitwire.test/b/")
    assert s.claim("http://www.bitwire.test/b/")
    assert all(isinstance(key, int) and 0 <= key < 2**64 for key in s.seen)


def test_links_seen_before_become_no_requests(tmp_path):
    s = spider(tmp_path)
    hrefs = ["/2014/12/19/sony-hack-north-korea/", "/2014/12/20/sony-hack-fbi/#top", "http://[bad/x"]
    first = [r.url for r in s.follow_links(page("http://www.bitwire.test/1/", hrefs))]
    assert first == [
        "http://www.bitwire.test/2014/12/19/sony-hack-north-korea/",
        "http://www.bitwire.test/2014/12/20/sony-hack-fbi/",
    ]  # the malformed link is skipped, not the rest of the page
    again = hrefs + ["/2014/12/21/sony-hack-new/"]
    second = [r.url for r in s.follow_links(page("http://www.bitwire.test/2/", again))]
    assert second == ["http://www.bitwire.test/2014/12/21/sony-hack-new/"]


def test_links_passed_over_are_judged_again_once_another_outlet_is_known(tmp_path):
    s = spider(tmp_path)
    off_outlet = "http://www.screenledger.test/2014/12/19/sony-hack-north-korea/"
    assert list(s.follow_links(page("http://www.bitwire.test/1/", [off_outlet]))) == []
    assert list(s.follow_links(page("http://www.bitwire.test/2/", [off_outlet]))) == []
    s.candidate("http://www.screenledger.test/sitemap-entry/", "sitemap", "sitemap.xml")  # a new outlet
    followed = [r.url for r in s.follow_links(page("http://www.bitwire.test/3/", [off_outlet]))]
    assert followed == [off_outlet]


def test_a_link_is_judged_by_each_of_its_anchor_texts(tmp_path):
    s = spider(tmp_path)
    body = '<html><body><p>Sony hack.</p><a href="/video/">{}</a></body></html>'
    request = Request("http://www.bitwire.test/1/", meta={"discovered_via": "seeds", "link_depth": 0})

    def links(url: str, anchor: str) -> list[str]:
        response = HtmlResponse(url, body=body.format(anchor).encode(), encoding="utf-8", request=request)
        return [r.url for r in s.follow_links(response)]

    assert links("http://www.bitwire.test/1/", "Watch") == []  # no keyword: passed over
    assert links("http://www.bitwire.test/2/", "Watch") == []
    assert links("http://www.bitwire.test/3/", "Sony hack: the video") == ["http://www.bitwire.test/video/"]


def test_the_spider_follows_the_links_the_warc_writer_read(tmp_path):
    """With capture on, the page is parsed once, by the WARC writer: the spider follows what it
    read (here the body has no links at all) and leaves the reading out of the request's meta."""
    s = spider(tmp_path)
    read = PageLinks("Sony hack", "Sony hack.", [("/2014/12/19/sony-hack-north-korea/", "Sony hack")])
    request = Request("http://www.bitwire.test/1/", meta={"discovered_via": "seeds", "link_depth": 0})
    request.meta[PAGE_LINKS] = read
    response = HtmlResponse(request.url, body=b"<html><body></body></html>", request=request)
    assert [r.url for r in s.follow_links(response)] == [
        "http://www.bitwire.test/2014/12/19/sony-hack-north-korea/"
    ]
    assert PAGE_LINKS not in request.meta


PAGES = {  # how a page's charset is found: Scrapy's HtmlResponse and the writer must agree
    "header": ("text/html; charset=windows-1252", "<title>Sony’s hack</title>", "cp1252"),
    "meta only": ("text/html", '<meta charset="iso-8859-2"><title>Sony hack: Łódź</title>', "iso-8859-2"),
    "none (utf-8 sniffed)": ("text/html", "<title>Sony hack — Pyongyang</title>", "utf-8"),
}


@pytest.mark.parametrize("case", sorted(PAGES))
@pytest.mark.parametrize("content_encoding", ["", "gzip"])
def test_the_writer_reads_a_page_as_the_spider_would(tmp_path, case, content_encoding):
    content_type, head, charset = PAGES[case]
    html = (
        f"<html><head>{head}</head><body><p>Guardians of Peace: Sony hack. Café</p>"
        '<a href=" /2014/12/19/sony-hack/ ">Sony’s <b>hack</b> Łódź</a><a href="#top">Top</a>'
        '<a href="http://www.screenledger.test/x">Pyongyang — North Korea</a></body></html>'
    )
    raw = html.encode(charset, errors="xmlcharrefreplace")
    url = "http://www.bitwire.test/1/"
    spiders_own = DiscoverySpider._read_links(
        HtmlResponse(url, body=raw, headers={"Content-Type": content_type})
    )
    body = gzip.compress(raw) if content_encoding else raw
    headers = [("Content-Type", content_type)] + ([("Content-Encoding", "gzip")] if content_encoding else [])
    exchange = HttpExchange(
        url=url, method="GET", request_target="/1/", request_headers=[("Host", "www.bitwire.test")],
        status=200, reason="OK", response_headers=headers, body=body, fetched_at=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    fetch = Fetch(exchange, payload_digest(body), [], content_encoding)
    _, _, writers = FetchWriter(WarcFileWriter(tmp_path / "warc"), 1 << 20).write(fetch)
    assert writers == spiders_own
    assert writers.anchors[0] == ("/2014/12/19/sony-hack/", "Sony’s  hack  Łódź")  # text nodes, joined
    assert "Sony" in writers.title and writers.text.startswith("Guardians of Peace")


def test_reading_a_pages_links_leaves_no_garbage_behind():
    """A page's text and tree are freed as soon as its links are read, by the writer or by the
    spider, not at the garbage collector's next pass: the crawl reads many pages between two."""
    url = "http://www.bitwire.test/1/"
    body = page(url, ["/2014/12/19/sony-hack/", "http://www.screenledger.test/x"]).body
    headers = {"Content-Type": "text/html; charset=utf-8"}

    def by_the_writer():
        return read_links(html_root(body, url, headers["Content-Type"]), url)[0]

    def by_the_spider():
        return DiscoverySpider._read_links(HtmlResponse(url, body=body, headers=headers))

    for read in (by_the_writer, by_the_spider):
        assert read().anchors  # the first time: imports and caches
        gc.disable()
        try:
            while gc.collect():  # what earlier tests left, and what freeing it leaves
                pass
            assert read().anchors[0][0] == "/2014/12/19/sony-hack/"
            assert gc.collect() == 0, f"{read.__name__} left objects for the garbage collector"
        finally:
            gc.enable()


def test_the_metadata_record_lists_each_http_link_once_in_page_order(tmp_path):
    """The outlinks in the metadata record: every <a href> and <area href> joined to the page's
    <base href>, in document order, each once, fragments dropped, nothing but http(s); the spider
    gets the <a> links as written, with their text."""
    from warcio.archiveiterator import ArchiveIterator

    html = (
        '<html><head><base href="http://www.bitwire.test/news/"><title>Sony hack</title></head><body>'
        '<a href="2014/sony-hack/">Sony hack</a><a href="/about/#team">About</a>'
        '<map><area href="https://maps.test/pyongyang" alt="map"></map>'
        '<a href="2014/sony-hack/#comments">Comments</a><a href="mailto:desk@bitwire.test">Mail</a>'
        '<a href="javascript:void(0)">Share</a><a name="no-href">Anchor</a>'
        '<a href="http://[bad">Broken</a></body></html><a href="/after-the-end/">Late</a>'
    )
    exchange = HttpExchange(
        url="http://www.bitwire.test/1/", method="GET", request_target="/1/",
        request_headers=[("Host", "www.bitwire.test")], status=200, reason="OK",
        response_headers=[("Content-Type", "text/html")], body=html.encode(),
        fetched_at=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    writer = WarcFileWriter(tmp_path / "warc")
    fetch = Fetch(exchange, payload_digest(exchange.body), [], "")
    _, _, links = FetchWriter(writer, 1 << 20).write(fetch)
    writer.close()
    [path] = (tmp_path / "warc").glob("*.warc.gz")
    with path.open("rb") as fh:
        [metadata] = [
            r.content_stream().read().decode() for r in ArchiveIterator(fh) if r.rec_type == "metadata"
        ]
    outlinks = [line.split(": ", 1)[1] for line in metadata.splitlines() if line.startswith("outlink: ")]
    assert outlinks == [
        "http://www.bitwire.test/news/2014/sony-hack/ L a/@href",
        "http://www.bitwire.test/about/ L a/@href",
        "https://maps.test/pyongyang L a/@href",
        "http://www.bitwire.test/after-the-end/ L a/@href",
    ]
    assert [href for href, _ in links.anchors] == [
        "2014/sony-hack/", "/about/#team", "2014/sony-hack/#comments", "mailto:desk@bitwire.test",
        "javascript:void(0)", "http://[bad", "/after-the-end/",
    ]  # fmt: skip
