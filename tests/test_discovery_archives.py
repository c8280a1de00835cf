"""Web archives through a real pywb: the Wayback-style CDX API and raw captures (``id_``). Pages
gone from the live web (410) are taken from the archive under their original URL, with the
archive's capture time in ``captures.archived_at``. The archive is a fixture WARC written with our
own WarcFileWriter from rendered fixture pages, indexed with warc.index.update_index."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request

import pytest
from sqlalchemy import create_engine

from pipeline.fixtureweb.archive import FixtureArchive, write_archive
from pipeline.fixtureweb.discovery_docs import ARCHIVE_TIMES, archive_only_pages
from spiders.archives import cdx_rows, replay_prefix
from spiders.commoncrawl import record_page
from tests.conftest import query
from tests.discovery_helpers import crawl
from tests.test_replay import require_pywb

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
WIKI = "http://en.wikipedia.test/wiki/2014_Sony_Pictures_hack"


@pytest.fixture(scope="module")
def archive(site, fixture_web, tmp_path_factory):
    """pywb serving the fixture archive; the archive hosts relay to it while the module runs."""
    require_pywb()
    with FixtureArchive(site, tmp_path_factory.mktemp("fixture-archive")) as running:
        yield running.base


def test_cdx_answers_of_both_archives_read():
    wayback = b'[["urlkey","timestamp","original"],["com,a)/x","20141220000000","http://a.com/x"]]'
    assert cdx_rows(wayback) == [
        {"urlkey": "com,a)/x", "timestamp": "20141220000000", "original": "http://a.com/x"}
    ]
    row = {"url": "http://a.com/x", "timestamp": "2014"}
    assert cdx_rows(b'{"url": "http://a.com/x", "timestamp": "2014"}\n') == [row]
    assert replay_prefix("https://web.archive.org/cdx/search/cdx") == "https://web.archive.org/web/"
    assert replay_prefix("http://127.0.0.1:8080/coll/cdx") == "http://127.0.0.1:8080/coll/"


def test_pages_gone_from_the_live_web_come_from_the_archive(archive, fixture_web, make_database, tmp_path):
    body = (
        '[[archives]]\ncdx = "http://web.archive.test/cdx/search/cdx"\n'
        'patterns = ["www.capitaltribune.test/world/*"]\n'
        f'[[references]]\nurl = "{WIKI}"\n'
    )
    result, database, hits = crawl(fixture_web, make_database, tmp_path, "archives", body)
    engine = create_engine(database)
    rows = {r["canonical_url"]: r for r in query(engine, "SELECT * FROM corpus")}
    captures = query(engine, "SELECT url, archived_at FROM captures WHERE archived_at IS NOT NULL")
    engine.dispose()
    gone = archive_only_pages()
    for page, stamp in zip(gone, ARCHIVE_TIMES, strict=True):
        assert page.url in hits  # the live page was tried first: 410
        row = rows[page.url]  # the article's URL is the original one, not the archive's
        assert row["captured_url"].startswith("http://web.archive.test/web/")
        assert row["archived_at"] == dt.datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)
        assert row["discovered_via"] in ("wayback", "references")
    assert len(captures) == len(gone)
    wayback_found = [r for r in rows.values() if r["discovered_via"] == "wayback"]
    assert wayback_found and all("web.archive.test/cdx" in r["discovered_from"] for r in wayback_found)


def test_a_common_crawl_byte_range_is_read_as_its_page(site, tmp_path):
    """What the data host's 206 answer holds (one gzipped WARC record) becomes the page inside it."""
    write_archive(site, tmp_path)  # the archive's WARC file and its CDXJ index
    entries = [line.split(" ", 2) for line in (tmp_path / "index.cdxj").read_text().splitlines()]
    row = next(json.loads(fields) for _, _, fields in entries if json.loads(fields).get("status") == "200")
    data = (tmp_path / row["filename"]).read_bytes()
    start, length = int(row["offset"]), int(row["length"])
    uri, headers, payload, when = record_page(data[start : start + length])
    assert uri == row["url"] and headers["content-type"].startswith("text/html")
    assert payload.lstrip().lower().startswith(b"<!doctype html") and b"</html>" in payload
    assert when is not None and when.year in (2014, 2015)


def test_common_crawl_records_are_fetched_by_byte_range(archive, fixture_web, make_database, tmp_path):
    body = (
        '[[commoncrawl]]\nindex = "http://index.commoncrawl.test"\ndata = "http://data.commoncrawl.test/"\n'
        'crawls = ["CC-MAIN-2015-06"]\npatterns = ["www.capitaltribune.test/*"]\n'
    )
    result, database, hits = crawl(fixture_web, make_database, tmp_path, "commoncrawl", body)
    engine = create_engine(database)
    rows = {r["canonical_url"]: r for r in query(engine, "SELECT * FROM corpus")}
    engine.dispose()
    gone = archive_only_pages()
    assert any(h.startswith("http://index.commoncrawl.test/CC-MAIN-2015-06-index") for h in hits)
    assert any(h.startswith("http://data.commoncrawl.test/") for h in hits)
    for page in gone:
        row = rows[page.url]  # under its original URL, though the bytes came from a WARC record
        assert row["discovered_via"] == "commoncrawl"
        assert row["archived_at"] is not None
        # provenance: the index query, then the crawl's WARC file and the record's offset+length
        assert "-index?url=" in row["discovered_from"] and ".warc.gz#" in row["discovered_from"]
