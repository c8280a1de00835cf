"""Web archives: the Wayback-style CDX API and raw captures (``id_``, replayed by a real pywb), and
the Common Crawl index. CDX queries are answered by the fixture CDX server (the documented paging,
resume keys and collapsing, which pywb lacks) from the fixture archive's own index. Every URL a
pattern holds is found, page after page, one row per URL, up to a cap the summary reports; archive
hosts get one request at a time and a 429's Retry-After holds for the whole host; pages gone from
the live web (410, a soft 404, a redirect to the home page) come from the archive under their
original URL, with the archive's capture time in ``captures.archived_at``."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import create_engine

from pipeline.demo import discovery_archive
from pipeline.demo.archive import FixtureArchive, archive_captures, write_archive
from pipeline.demo.discovery_archive import Throttle
from pipeline.demo.discovery_docs import ARCHIVE_TIMES, archive_only_pages
from pipeline.demo.moved import ARCHIVE_TIME, moved_pages
from spiders.archives import cdx_rows, replay_prefix
from spiders.cdx import cdx_page, page_count
from spiders.commoncrawl import record_page
from spiders.fallback import redirected_to_front, says_not_found
from tests.conftest import query
from tests.discovery_helpers import crawl

WIKI = "http://en.wikipedia.test/wiki/2014_Sony_Pictures_hack"
WAYBACK = "http://web.archive.test/cdx/search/cdx"
FAST = "DISCOVERY_ARCHIVE_DELAY=0.05"
TRIBUNE = "http://www.capitaltribune.test/"


@pytest.fixture(scope="module")
def archive(site, fixture_web, tmp_path_factory):
    """pywb serving the fixture archive; the archive hosts answer from it while the module runs."""
    from tests.test_replay import require_pywb

    require_pywb()
    with FixtureArchive(site, tmp_path_factory.mktemp("fixture-archive")) as running:
        yield running.base


@pytest.fixture(autouse=True)
def fresh_archive_log():
    """Each test reads the archive hosts' record of its own requests only, unthrottled."""
    discovery_archive.throttle({})


def archives(*patterns: str, limit: int | None = None) -> str:
    body = f'[[archives]]\ncdx = "{WAYBACK}"\npatterns = {json.dumps(list(patterns))}\n'
    return body + (f"limit = {limit}\n" if limit else "")


def corpus(database: str) -> tuple[dict, list, dict]:
    engine = create_engine(database)
    rows = {r["canonical_url"]: r for r in query(engine, "SELECT * FROM corpus")}
    captures = query(engine, "SELECT url, status, note, archived_at FROM captures")
    (run,) = query(engine, "SELECT stats FROM crawl_runs")
    engine.dispose()
    return rows, captures, run["stats"]


def cdx_requests(host: str = "web.archive.test", path: str = "/cdx/search/cdx") -> list:
    return [r for r in discovery_archive.requests() if r.host == host and r.target.startswith(path)]


def test_cdx_answers_of_both_archives_read():
    wayback = b'[["urlkey","timestamp","original"],["com,a)/x","20141220000000","http://a.com/x"]]'
    assert cdx_rows(wayback) == [
        {"urlkey": "com,a)/x", "timestamp": "20141220000000", "original": "http://a.com/x"}
    ]
    paged = b'[["urlkey","timestamp"],["com,a)/x","2014"],[],["com%2Ca%29%2Fx+2014%21"]]'
    assert cdx_page(paged).rows == [{"urlkey": "com,a)/x", "timestamp": "2014"}]
    assert cdx_page(paged).resume_key == "com%2Ca%29%2Fx+2014%21"
    row = {"url": "http://a.com/x", "timestamp": "2014"}
    assert cdx_rows(b'{"url": "http://a.com/x", "timestamp": "2014"}\n') == [row]
    assert page_count(b'{"pages": 3, "pageSize": 5, "blocks": 11}') == 3 and page_count(b"7\n") == 7
    with pytest.raises(ValueError):
        page_count(b"<html>busy</html>")
    assert replay_prefix("https://web.archive.org/cdx/search/cdx") == "https://web.archive.org/web/"
    assert replay_prefix("http://127.0.0.1:8080/coll/cdx") == "http://127.0.0.1:8080/coll/"


def test_the_fixture_cdx_server_selects_what_pywb_selects(archive, fixture_web):
    """Unpaged and uncollapsed, the fixture CDX server answers the rows the real pywb does."""
    from pipeline.demo.archive import _OPENER
    from tests.discovery_helpers import get

    for pattern in ("www.capitaltribune.test/*", "www.capitaltribune.test/world/*"):
        ours = cdx_rows(
            get(fixture_web, f"http://index.commoncrawl.test/CC-MAIN-2015-06-index?url={pattern}&output=json")
        )
        with _OPENER.open(f"{archive}/fixture/cdx?url={pattern}&output=json") as answer:
            pywb = cdx_rows(answer.read())
        assert [(r["urlkey"], r["timestamp"], r["url"]) for r in ours] == [
            (r["urlkey"], r["timestamp"], r["url"]) for r in pywb
        ]
        assert len(ours) >= 2


def test_archive_hosts_get_a_slot_of_their_own(tmp_path):
    """One request at a time and a fixed delay for each archive host the collection names."""
    from scrapy.crawler import Crawler

    from pipeline.collection import load_collection
    from spiders.collection import CollectionSpider
    from tests.discovery_helpers import HEAD

    path = tmp_path / "slots.toml"
    cc = '[[commoncrawl]]\nindex = "https://index.cc.test"\ndata = "https://data.cc.test/"\n'
    cc += 'crawls = ["CC-MAIN-2015-06"]\npatterns = ["www.example.test/*"]\n'
    path.write_text(HEAD.format(name="slots") + archives("www.example.test/*") + cc, encoding="utf-8")
    crawler = Crawler(CollectionSpider, {"DISCOVERY_ARCHIVE_DELAY": 0.5})
    CollectionSpider.from_crawler(crawler, collection=load_collection(path))
    slots = crawler.settings.getdict("DOWNLOAD_SLOTS")
    for host in ("web.archive.test", "index.cc.test", "data.cc.test", "web.archive.org"):
        assert slots[host] == {"concurrency": 1, "delay": 0.5, "jitter": 0}
    assert "www.example.test" not in slots


def test_dead_links_that_answer_are_told_from_articles():
    article = "https://www.example.com/business/2014/12/18/sony-cancels-the-interview/"
    assert redirected_to_front(article, "https://www.example.com/")
    assert redirected_to_front(article, "https://www.example.com/business/")
    assert redirected_to_front(article, "https://www.example.com/section/business")
    assert not redirected_to_front(article, "https://www.example.com/sony-cancels-the-interview-release")
    assert not redirected_to_front(article, "https://www.example.com/article/2014/12/18/sony-cancels/")
    assert says_not_found("Page not found | The Daily", []) == "Page not found"
    assert says_not_found("The Daily", ["Oops! That page can’t be found."])
    assert says_not_found("404 - Seite nicht gefunden", [])
    assert not says_not_found("Missing Sony files not found, FBI says | The Daily", [])
    assert not says_not_found("Sony pulls The Interview", ["Sony pulls The Interview"])


def test_pages_gone_from_the_live_web_come_from_the_archive(archive, fixture_web, make_database, tmp_path):
    body = archives("www.capitaltribune.test/world/*") + f'[[references]]\nurl = "{WIKI}"\n'
    result, database, hits = crawl(fixture_web, make_database, tmp_path, "archives", body, FAST)
    rows, captures, _ = corpus(database)
    gone = archive_only_pages()
    for page, stamp in zip(gone, ARCHIVE_TIMES, strict=True):
        assert page.url in hits  # the live page was tried first: 410
        row = rows[page.url]  # the article's URL is the original one, not the archive's
        assert row["captured_url"].startswith("http://web.archive.test/web/")
        assert row["archived_at"] == dt.datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)
        assert row["discovered_via"] in ("wayback", "references")
    assert len([c for c in captures if c["archived_at"]]) == len(gone)
    wayback_found = [r for r in rows.values() if r["discovered_via"] == "wayback"]
    assert wayback_found and all("web.archive.test/cdx" in r["discovered_from"] for r in wayback_found)


def test_a_pattern_larger_than_a_page_is_found_whole_one_row_per_url(
    archive, site, fixture_web, make_database, tmp_path
):
    held = {page.url for page, _ in archive_captures(site) if page.url.startswith(TRIBUNE)}
    captures_held = [page for page, _ in archive_captures(site) if page.url.startswith(TRIBUNE)]
    assert len(captures_held) > len(held)  # the archive holds several captures of some URLs
    body = archives("www.capitaltribune.test/*")
    _, database, _ = crawl(
        fixture_web, make_database, tmp_path, "paged", body, FAST, "DISCOVERY_CDX_PAGE_ROWS=1"
    )
    rows, _, stats = corpus(database)
    pages = cdx_requests()
    assert len(pages) == len(held)  # one row a page: a page per URL, none twice
    assert sum(p.rows for p in pages) == len(held)
    keys = [parse_qs(urlsplit(p.target).query).get("resumeKey") for p in pages]
    assert keys[0] is None and all(keys[1:])  # each next page resumed where the last one ended
    assert held <= set(rows)  # every URL the pattern holds reached the corpus
    assert stats["wayback/rows"] == len(held) and "discovery/cdx_cap_hit" not in stats


def test_the_cap_is_reported_when_a_pattern_holds_more(archive, fixture_web, make_database, tmp_path):
    body = archives("www.capitaltribune.test/*", limit=2)
    result, database, _ = crawl(
        fixture_web, make_database, tmp_path, "capped", body, FAST, "DISCOVERY_CDX_PAGE_ROWS=1"
    )
    rows, _, stats = corpus(database)
    assert sum(p.rows for p in cdx_requests()) == 2 and len(cdx_requests()) == 2
    assert stats["discovery/cdx_cap_hit"] == 1
    summary = result.stdout.split("Crawl of")[0]
    assert "www.capitaltribune.test/* stopped at its cap of 2 rows" in summary
    assert len([r for r in rows.values() if r["discovered_via"] == "wayback"]) <= 2


def test_a_429_pauses_the_whole_archive_host(archive, fixture_web, make_database, tmp_path):
    """Asserted on the archive server's own record of when each request came and went."""
    discovery_archive.throttle({"web.archive.test": Throttle(every=3, retry_after=1)})
    try:
        body = archives("www.capitaltribune.test/world/*", "www.capitaltribune.test/business/*")
        settings = ("DISCOVERY_ARCHIVE_DELAY=0.2", "DISCOVERY_CDX_PAGE_ROWS=1", "RETRY_TIMES=6")
        _, database, _ = crawl(fixture_web, make_database, tmp_path, "throttled", body, *settings)
        seen = [r for r in discovery_archive.requests() if r.host == "web.archive.test"]
    finally:
        discovery_archive.throttle({})
    rows, _, stats = corpus(database)
    throttled = [r for r in seen if r.status == 429]
    assert throttled and len(seen) >= 6
    for before, after in zip(seen, seen[1:], strict=False):
        assert after.came >= before.answered  # one request at a time
        assert after.came - before.came >= 0.2 - 0.02  # the host's delay
        if before.status == 429:  # Retry-After: 1 holds for the host, whatever request is next
            assert after.came - before.answered >= 1 - 0.05, (before, after)
    assert stats["retry_after/host_pauses"] == len(throttled)
    assert {p.url for p in archive_only_pages()} <= set(rows)  # every page still found


def test_dead_links_that_answer_200_or_redirect_home_come_from_the_archive(
    archive, fixture_web, make_database, tmp_path
):
    moved = [page for page, _ in moved_pages()]
    body = archives(*(f"{urlsplit(p.url).hostname}{p.path.rsplit('/', 2)[0]}/*" for p in moved))
    _, database, hits = crawl(fixture_web, make_database, tmp_path, "moved", body, FAST)
    rows, captures, stats = corpus(database)
    when = dt.datetime.strptime(ARCHIVE_TIME, "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)
    for page in moved:
        assert page.url in hits  # the live page was tried first
        row = rows[page.url]
        assert row["captured_url"].startswith("http://web.archive.test/web/") and row["archived_at"] == when
        assert row["title"] == page.title
    notes = [c["note"] or "" for c in captures if not c["archived_at"]]
    assert sum("soft 404: the page says" in n for n in notes) == 1
    assert sum("soft 404: the site's answer for an address it does not have" in n for n in notes) == 1
    assert sum("redirected to http://www.bitwire.test/" in n for n in notes) == 1
    assert all("taken from its archived copy http://web.archive.test/web/" in n for n in notes if n)
    assert stats["discovery/fallback_soft_404"] == 2 and stats["discovery/fallback_redirect"] == 1
    assert any("/no-such-page-" in h for h in hits)  # the site's answer for an unknown address
    assert {r["canonical_url"] for r in rows.values()} == {p.url for p in moved}  # no home page


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


def test_common_crawl_is_read_page_by_page_and_fetched_by_byte_range(
    archive, site, fixture_web, make_database, tmp_path
):
    body = (
        '[[commoncrawl]]\nindex = "http://index.commoncrawl.test"\ndata = "http://data.commoncrawl.test/"\n'
        'crawls = ["CC-MAIN-2015-06"]\npatterns = ["www.capitaltribune.test/*"]\n'
    )
    _, database, hits = crawl(fixture_web, make_database, tmp_path, "commoncrawl", body, FAST)
    rows, _, _ = corpus(database)
    asked = [parse_qs(urlsplit(r.target).query) for r in cdx_requests("index.commoncrawl.test", "/CC-MAIN")]
    assert asked[0]["showNumPages"] == ["true"]  # how many pages, then each of them in turn
    lines = len([p for p, _ in archive_captures(site) if p.url.startswith(TRIBUNE)])
    pages = -(-lines // (discovery_archive.CONFIG.block_lines * discovery_archive.CONFIG.page_size))
    assert pages > 1 and [q["page"] for q in asked[1:]] == [[str(n)] for n in range(pages)]
    assert any(h.startswith("http://data.commoncrawl.test/") for h in hits)
    held = {p.url for p, _ in archive_captures(site) if p.url.startswith(TRIBUNE)}
    assert held <= set(rows)  # every URL of every page
    for page in archive_only_pages():
        row = rows[page.url]  # under its original URL, though the bytes came from a WARC record
        assert row["discovered_via"] == "commoncrawl"
        assert row["archived_at"] is not None
        # provenance: the index query, then the crawl's WARC file and the record's offset+length
        assert "-index?url=" in row["discovered_from"] and ".warc.gz#" in row["discovered_from"]
