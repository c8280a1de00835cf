"""Sitemaps: robots.txt Sitemap: lines, indexes, monthly and news sitemaps, the window and keyword
filters, robots.txt obeyed for what they list, and bad documents bounded and reported."""

from __future__ import annotations

import datetime as dt
import gzip

import pytest
from sqlalchemy import create_engine

from pipeline.demo.discovery_docs import FORBIDDEN_PATH, FORBIDDING_HOST, bad_document
from pipeline.settings import DISCOVERY_MAX_DOCUMENT_BYTES as LIMIT
from spiders.sitemaps import in_window, month_outside
from spiders.xmldocs import DocumentError, Entry, parse_xml, read_sitemap
from tests.conftest import query
from tests.discovery_helpers import crawl, get

START, END = dt.date(2014, 11, 24), dt.date(2015, 2, 28)


def test_index_monthly_and_news_sitemaps_read(fixture_web, site):
    kind, months = read_sitemap(parse_xml(get(fixture_web, "http://www.bitwire.test/sitemap.xml"), LIMIT))
    assert kind == "index" and any(m.url.endswith("/sitemaps/2014-12.xml") for m in months)
    kind, pages = read_sitemap(
        parse_xml(get(fixture_web, "http://www.bitwire.test/sitemaps/2014-12.xml"), LIMIT)
    )
    assert kind == "urlset" and all(p.lastmod and p.lastmod.month == 12 for p in pages)
    kind, news = read_sitemap(parse_xml(get(fixture_web, "http://www.bitwire.test/news-sitemap.xml"), LIMIT))
    article = next(e for e in news if e.url == site.articles()[0].url or e.title)
    assert article.published and article.title
    robots = get(fixture_web, f"http://{FORBIDDING_HOST}/robots.txt").decode()
    assert "Disallow: /private/" in robots and f"Sitemap: http://{FORBIDDING_HOST}/sitemap.xml" in robots


def test_window_rules():
    assert month_outside("http://a.test/sitemaps/2014-10.xml", START, END)
    assert not month_outside("http://a.test/sitemaps/2014-11.xml", START, END)
    assert month_outside("http://a.test/sitemap-201503.xml", START, END)
    assert not month_outside("http://a.test/sitemap.xml", START, END)
    assert in_window(Entry("u", published=dt.date(2014, 12, 1)), START, END)
    assert not in_window(Entry("u", published=dt.date(2015, 3, 2)), START, END)
    assert in_window(Entry("u", lastmod=dt.date(2019, 5, 1)), START, END)  # re-stamped old article
    assert not in_window(Entry("u", lastmod=dt.date(2014, 10, 1)), START, END)
    assert in_window(Entry("u"), START, END)


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("malformed.xml", "not well-formed XML"),
        ("huge.xml", "size limit"),
        ("laughs.xml", "declares XML entities"),
        ("not-a-feed.xml", "not a sitemap"),
    ],
)
def test_bad_documents_are_one_line_errors(name, problem):
    with pytest.raises(DocumentError) as error:
        read_sitemap(parse_xml(bad_document(f"/bad/{name}"), LIMIT))
    assert problem in str(error.value) and "\n" not in str(error.value)


def test_gzip_bomb_is_bounded():
    bomb = gzip.compress(b"<urlset>" + b" " * (11 * 1024 * 1024) + b"</urlset>")
    with pytest.raises(DocumentError, match="once decompressed"):
        parse_xml(bomb, LIMIT)


def test_sitemap_crawl_keeps_the_window_the_keywords_and_robots(fixture_web, site, make_database, tmp_path):
    body = (
        '[[sitemaps]]\nurl = "http://www.pacificcourier.test/robots.txt"\n'
        '[[sitemaps]]\nurl = "http://www.bitwire.test/robots.txt"\n'
        '[[sitemaps]]\nurl = "http://www.bitwire.test/bad/malformed.xml"\n'
    )
    result, database, hits = crawl(fixture_web, make_database, tmp_path, "sitemaps", body)
    assert f"http://{FORBIDDING_HOST}{FORBIDDEN_PATH}" not in hits  # robots.txt forbids it
    assert not any("/sitemaps/2014-10.xml" in h or "/2014/10/" in h for h in hits)  # before the window
    assert "http://www.bitwire.test/news-sitemap.xml" in hits
    assert "sitemap: not well-formed XML" in result.stdout
    engine = create_engine(database)
    rows = query(engine, "SELECT canonical_url, discovered_via, discovered_from FROM corpus")
    engine.dispose()
    found = {r["canonical_url"] for r in rows}
    off = {p.url for p in site.articles("off")}
    assert found and not found & off
    assert {r["discovered_via"] for r in rows} == {"sitemap"}
    assert all(r["discovered_from"].startswith("http://www.") for r in rows)
    assert all(r["discovered_from"].endswith(".xml") for r in rows)
    bitwire = {p.url for p in site.articles() if p.host == "www.bitwire.test"}
    in_window = {u for u in bitwire if START <= site.page(u).published.date() <= END}
    assert in_window <= found  # the news sitemap's titles find what the URL alone would not
