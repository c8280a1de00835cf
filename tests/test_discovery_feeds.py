"""Feeds: RSS and Atom items in the window are fetched; off-topic ones stay captures with a note."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from pipeline.demo.discovery_docs import bad_document
from pipeline.settings import DISCOVERY_MAX_DOCUMENT_BYTES as LIMIT
from spiders.xmldocs import DocumentError, parse_xml, read_feed
from tests.conftest import query
from tests.discovery_helpers import crawl, get


def test_rss_and_atom_items(fixture_web, site):
    rss = read_feed(parse_xml(get(fixture_web, "http://www.pacificcourier.test/feed/"), LIMIT))
    atom = read_feed(parse_xml(get(fixture_web, "http://www.globalwire.test/atom.xml"), LIMIT))
    for entries, host in ((rss, "www.pacificcourier.test"), (atom, "www.globalwire.test")):
        expected = {p.url for p in site.articles(None) if p.host == host}
        assert {e.url for e in entries} == expected
        assert all(e.title and e.published for e in entries)


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("laughs.xml", "entity expansion"),
        ("malformed.xml", "not well-formed"),
        ("not-a-feed.xml", "not an RSS"),
    ],
)
def test_bad_feeds_are_one_line_errors(name, problem):
    with pytest.raises(DocumentError, match=problem):
        read_feed(parse_xml(bad_document(f"/bad/{name}"), LIMIT))


def test_feed_crawl_drops_off_topic_pages_to_captures(fixture_web, site, make_database, tmp_path):
    body = (
        '[[feeds]]\nurl = "http://www.pacificcourier.test/feed/"\n'
        '[[feeds]]\nurl = "http://www.globalwire.test/atom.xml"\n'
        '[[feeds]]\nurl = "http://www.bitwire.test/bad/laughs.xml"\n'
        '[[feeds]]\nurl = "http://www.bitwire.test/bad/huge.xml"\n'
    )
    result, database, hits = crawl(fixture_web, make_database, tmp_path, "feeds", body)
    assert "feed: declares XML entities" in result.stdout
    assert "bad/huge.xml" in result.stdout.split("Failed URLs:")[1]  # over the size limit
    engine = create_engine(database)
    found = {r["canonical_url"]: r for r in query(engine, "SELECT * FROM corpus")}
    notes = query(engine, "SELECT url, note FROM captures WHERE note LIKE 'off-topic%'")
    engine.dispose()
    hosts = ("www.pacificcourier.test", "www.globalwire.test")
    on = {p.url for p in site.articles("on") if p.host in hosts and 2014 <= p.published.year <= 2015}
    off = {p.url for p in site.articles("off") if p.host in hosts}
    assert on <= set(found) and not off & set(found)
    assert off <= {n["url"] for n in notes}  # fetched, kept as captures, with the reason
    assert {r["discovered_via"] for r in found.values()} == {"feed"}
    assert all(r["discovered_from"].endswith(("/feed/", "/atom.xml")) for r in found.values())
