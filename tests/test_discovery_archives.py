"""Web archives through a real pywb: the Wayback-style CDX API and raw captures (``id_``). Pages
gone from the live web (410) are taken from the archive under their original URL, with the
archive's capture time in ``captures.archived_at``. The archive is a fixture WARC written with our
own WarcFileWriter from rendered fixture pages, indexed with warc.index.update_index."""

from __future__ import annotations

import datetime as dt
import json
import socket
import subprocess
import urllib.error
import urllib.request

import pytest
from sqlalchemy import create_engine

from pipeline.fixtureweb import discovery_archive
from pipeline.fixtureweb.discovery_docs import ARCHIVE_TIMES, archive_only_pages
from pipeline.fixtureweb.routes import render_page
from pipeline.replay import render_config, wayback_command, wayback_environment
from spiders.archives import cdx_rows, replay_prefix
from spiders.commoncrawl import record_page
from tests.conftest import query
from tests.discovery_helpers import crawl
from tests.test_replay import require_pywb
from warc.index import update_index
from warc.writer import HttpExchange, WarcFileWriter

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
WIKI = "http://en.wikipedia.test/wiki/2014_Sony_Pictures_hack"


def write_archive(site, directory):
    """The fixture archive: the archive-only pages and one live World article, as captured then."""
    live = next(p for p in site.articles() if p.url.startswith("http://www.capitaltribune.test/world/"))
    captures = list(zip(archive_only_pages(), ARCHIVE_TIMES, strict=True)) + [(live, "20141222120000")]
    writer = WarcFileWriter(directory, prefix="fixture-archive")
    for page, stamp in captures:
        body = render_page(site, page).encode()
        writer.write_exchange(
            HttpExchange(
                url=page.url, method="GET", request_target=page.path,
                request_headers=[("Host", page.host)], status=200, reason="OK",
                response_headers=[("Content-Type", "text/html; charset=utf-8"),
                                  ("Content-Length", str(len(body)))],
                body=body,
                fetched_at=dt.datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC),
            )
        )  # fmt: skip
    writer.close()
    update_index(directory)


@pytest.fixture(scope="module")
def archive(site, fixture_web, tmp_path_factory):
    """pywb serving the fixture archive; web.archive.test relays to it while the module runs."""
    require_pywb()
    root = tmp_path_factory.mktemp("fixture-archive")
    write_archive(site, root / "fixture")
    (root / "config.yaml").write_text(render_config({"fixture": root / "fixture"}), encoding="utf-8")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    log = (root / "pywb.log").open("wb")
    process = subprocess.Popen(
        wayback_command(root, port), cwd=root, env=wayback_environment(), stdout=log, stderr=subprocess.STDOUT
    )
    try:
        for _ in range(150):
            try:
                with OPENER.open(base + "/fixture/cdx?url=www.capitaltribune.test/*", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if process.poll() is not None:
                    pytest.fail(f"pywb exited: {(root / 'pywb.log').read_text()[-2000:]}")
                try:
                    process.wait(timeout=0.2)
                except subprocess.TimeoutExpired:
                    pass
        # The same pywb collection stands in for a Common Crawl index; its WARC files for the data host.
        discovery_archive.configure(
            wayback=base + "/fixture", commoncrawl=base + "/fixture", cc_data_dir=root / "fixture"
        )
        yield base
    finally:
        discovery_archive.configure()
        process.terminate()
        process.wait(timeout=10)
        log.close()


def test_cdx_answers_of_both_archives_read():
    wayback = b'[["urlkey","timestamp","original"],["com,a)/x","20141220000000","http://a.com/x"]]'
    assert cdx_rows(wayback) == [{"urlkey": "com,a)/x", "timestamp": "20141220000000", "original": "http://a.com/x"}]
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
    write_archive(site, tmp_path)
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
