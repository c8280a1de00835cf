"""`python -m pipeline demo` end to end, twice, against the PostgreSQL service and the fixture web."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from pipeline.normalize.forms import canonical_url
from tests.conftest import query

ROLLING_STONE_PATH = "/culture/culture-news/u-s-says-north-korea-was-centrally-involved-in-sony-hack-189329/"
# The chrome a naive extraction lets through on the Rolling Stone page (shared/seeds/README.md).
ROLLING_STONE_CHROME = [
    "Home Culture",
    "Culture News\n",
    "Kim Jong-unKim Jong-un",
    "North Korean supreme leader Kim Jong-un, whose country has been linked",
    "Ed Jones/Getty",
    "In This Article",
    "Powered by",
    "Created with Sketch",
]


def plain_quotes(text: str) -> str:
    return text.translate(str.maketrans("‘’“”", "''\"\""))


@pytest.fixture(scope="module")
def demo(demo_archive):
    return demo_archive.first, demo_archive.second, demo_archive.data


@pytest.fixture(scope="module")
def engine(demo_archive):
    return demo_archive.engine


@pytest.fixture(scope="module")
def corpus(demo, engine):
    return query(engine, "SELECT * FROM corpus ORDER BY canonical_url")


def test_demo_runs_cleanly_and_summarizes(demo):
    for result in demo[:2]:
        assert result.returncode == 0, result.stderr[-3000:]
        assert "Traceback" not in result.stdout + result.stderr
        assert re.search(r"fetched: \d+ pages", result.stdout)
        failed = result.stdout.split("Failed URLs:")[1]
        assert re.search(r"http://www\.bitwire\.test/2014/12/31/never-published/ +HTTP 404", failed)


def test_every_fixture_article_is_in_the_corpus_exactly_once(corpus, site):
    expected = sorted(canonical_url(page.url) for page in site.published("on"))
    assert len(expected) >= 40
    assert [row["canonical_url"] for row in corpus] == expected


def test_paywall_teasers_are_flagged_and_pages_without_a_story_stay_captures(corpus, engine, site):
    by_url = {row["canonical_url"]: row for row in corpus}
    teasers = [p for p in site.pages if p.kind == "paywall" and p.topic == "on"]
    assert teasers
    for page in teasers:
        row = by_url[canonical_url(page.url)]
        assert (row["access"], row["page_kind"]) == ("teaser", "article"), page.url
        assert (row["title"], row["dek"], row["published_at"]) == (page.title, page.dek, page.published)
        assert row["text"].split("\n") == page.text_lines(standfirst_shown=True)
    for row in corpus:
        if row["canonical_url"] not in {canonical_url(p.url) for p in teasers}:
            kind = "brief" if row["word_count"] < 150 else "article"
            assert (row["access"], row["page_kind"]) == ("open", kind), row["canonical_url"]
    notes = {r["url"]: r["note"] for r in query(engine, "SELECT url, note FROM captures WHERE status = 200")}
    for page in site.pages:
        if page.kind in ("video", "index", "empty"):
            assert notes[page.url] == f"{page.kind} page", page.url


def test_rolling_stone_row_holds_headline_and_body_and_no_chrome(corpus, site):
    page = site.page(f"http://www.rollingstone.test{ROLLING_STONE_PATH}")
    [row] = [r for r in corpus if r["canonical_url"].endswith(ROLLING_STONE_PATH)]
    assert plain_quotes(row["title"]) == plain_quotes(page.title)
    assert row["dek"] == page.dek
    assert row["outlet"] == "Rolling Stone"
    assert row["text"].split("\n") == page.text_lines(standfirst_shown=True)
    for chrome in ROLLING_STONE_CHROME:
        assert chrome not in row["text"], chrome
    assert row["published_at"] == page.published


def test_metadata_comes_through_for_every_article(corpus, site):
    by_url = {row["canonical_url"]: row for row in corpus}
    for page in site.articles("on"):
        row = by_url[canonical_url(page.url)]
        assert plain_quotes(row["title"]) == plain_quotes(page.title), page.url
        assert row["language"] == "en"
        assert row["word_count"] == len(row["text"].split())
        body = row["text"]
        missing = [p for p in page.paragraphs if p not in body]
        assert not missing, f"{page.url}: {len(missing)} paragraphs missing"
        for chrome in (page.image_caption, page.image_credit):
            if chrome:
                assert chrome not in body, f"{page.url}: {chrome!r}"


def test_second_crawl_adds_no_versions(demo, engine, site):
    assert re.search(r"articles: 0 new, 0 updated, \d+ unchanged", demo[1].stdout), demo[1].stdout
    [counts] = query(
        engine,
        "SELECT (SELECT count(*) FROM articles) AS articles,"
        " (SELECT count(*) FROM article_versions) AS versions,"
        " (SELECT count(*) FROM crawl_runs WHERE status = 'finished') AS runs",
    )
    assert counts["versions"] == counts["articles"] == len(site.published("on"))
    assert counts["runs"] == 2


def test_progress_is_quiet_unless_asked_and_a_page_without_article_is_one_line(demo, site):
    verbose, quiet, data = demo
    for page in (p for p in site.pages if p.kind in ("video", "index", "empty")):
        lines = [line for line in verbose.stderr.splitlines() if page.url in line]
        assert len(lines) == 1, lines
        assert lines[0].endswith(f"no article: {page.url} ({page.kind} page)")
    for result in (verbose, quiet):
        assert "PageItem(" not in result.stderr and "Dropped:" not in result.stderr  # no item dump
    assert "Dumping Scrapy stats" in verbose.stderr
    assert " INFO: " not in quiet.stderr and "no article:" not in quiet.stderr
    assert len(quiet.stdout.splitlines()) < 20, quiet.stdout  # a summary, not the crawl's detail
    # the log file keeps the detail of both runs, whatever the console showed
    assert (data / "logs" / "demo.log").read_text().count("Dumping Scrapy stats") == 2


def test_every_fetch_is_a_capture_failures_included(engine):
    rows = query(engine, "SELECT url, status, error, warc_record_id FROM captures")
    assert any(r["url"].endswith("/never-published/") and r["status"] == 404 for r in rows)
    assert any(r["status"] == 301 for r in rows)  # the redirect hop is its own capture
    assert all(r["warc_record_id"] for r in rows if r["status"] is not None)


def _sha1_b32(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def test_corpus_rows_point_at_their_archived_bytes(corpus, demo):
    warc_dir = demo[2] / "warc"
    for row in corpus:
        assert row["warc_file"].startswith("demo/demo-")
        with (warc_dir / row["warc_file"]).open("rb") as fh:
            fh.seek(row["warc_offset"])
            member = fh.read(row["warc_length"])
        record = next(iter(ArchiveIterator(io.BytesIO(member))))
        assert record.rec_type == "response"
        assert record.rec_headers["WARC-Record-ID"] == row["warc_record_id"]
        payload = record.raw_stream.read()
        assert _sha1_b32(payload) == row["payload_digest"] == record.rec_headers["WARC-Payload-Digest"]


def test_compressed_responses_are_archived_compressed(corpus, demo):
    warc_dir = demo[2] / "warc"
    encodings = set()
    for row in corpus:
        with (warc_dir / row["warc_file"]).open("rb") as fh:
            fh.seek(row["warc_offset"])
            record = next(iter(ArchiveIterator(fh)))
            encoding = record.http_headers.get_header("Content-Encoding")
            if encoding == "gzip":
                assert record.raw_stream.read(2) == b"\x1f\x8b"
            encodings.add(encoding)
    assert "gzip" in encodings and None in encodings


def test_warc_files_pass_warcio_check(demo):
    files = sorted((demo[2] / "warc" / "demo").glob("*.warc.gz"))
    assert len(files) == 2  # one per run, closed and renamed
    warcio = str(Path(sys.executable).parent / "warcio")
    result = subprocess.run([warcio, "check", *map(str, files)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _records(path: Path) -> list[tuple[object, bytes]]:
    with path.open("rb") as fh:
        return [(r, r.content_stream().read()) for r in ArchiveIterator(fh)]


def test_recrawl_of_unchanged_pages_writes_revisit_records(demo, engine):
    rows = query(
        engine,
        "SELECT c.url, c.warc_type, c.refers_to_record_id, c.warc_file, c.run_id,"
        " o.warc_record_id AS original_id, o.fetched_at AS original_date"
        " FROM captures c LEFT JOIN captures o ON o.warc_record_id = c.refers_to_record_id"
        " WHERE c.status = 200 ORDER BY c.run_id, c.url",
    )
    first = [r for r in rows if r["run_id"] == min(r["run_id"] for r in rows)]
    second = [r for r in rows if r not in first]
    assert {r["warc_type"] for r in first} == {"response"}
    assert second and {r["warc_type"] for r in second} == {"revisit"}
    assert all(r["original_id"] == r["refers_to_record_id"] for r in second)

    revisit_file = demo[2] / "warc" / second[0]["warc_file"]
    revisits = [r for r, _ in _records(revisit_file) if r.rec_type == "revisit"]
    assert len(revisits) == len(second)
    for record in revisits:
        headers = record.rec_headers
        assert headers["WARC-Profile"].endswith("/warc/1.1/revisit/identical-payload-digest")
        assert headers["WARC-Refers-To-Target-URI"] == headers["WARC-Target-URI"]
        assert headers["WARC-Refers-To-Date"] and headers["WARC-Refers-To"]
        assert headers["WARC-Payload-Digest"].startswith("sha1:")


def test_the_crawl_tells_on_its_own_which_urls_the_corpus_lacks(demo, engine):
    """The WARC capture asks the database for an earlier copy of a page only when the corpus may
    hold one: the URLs it surely lacks are known without a query once the corpus's URLs are read
    (the revisits above show the URLs it holds are still asked about)."""
    from pipeline.store.recrawl import CapturedUrls

    archived = query(engine, "SELECT url FROM captures WHERE warc_type = 'response' LIMIT 1")[0]["url"]
    new = "http://www.example-news.test/never-fetched"
    captured = CapturedUrls(engine)
    assert not captured.surely_lacks(new)  # the corpus's URLs not read yet: it cannot tell
    assert captured.may_hold(archived)  # reads them
    assert captured.surely_lacks(new)
    assert not captured.surely_lacks(archived)
    captured.add(new)  # captured by this run
    assert not captured.surely_lacks(new)


def test_every_response_has_a_metadata_record_with_its_discovery_path(demo, site):
    article_urls = {page.url for page in site.articles(None)}
    for path in sorted((demo[2] / "warc" / "demo").glob("*.warc.gz")):
        records = _records(path)
        assert records[0][0].rec_type == "warcinfo"
        info = records[0][1].decode()
        for field in (
            "software:",
            "format: WARC File Format 1.1",
            "isPartOf: demo",
            "operator:",
            "robots: obey",
            "hostname:",
        ):
            assert field in info, field
        # The software line names warcio's version, and the User-Agent is the one the requests sent.
        assert re.search(r"^software: .*warcio \d+\.\d+", info, re.M), info
        [declared_agent] = re.findall(r"^http-header-user-agent: (.+)$", info, re.M)
        sent_agents = {r.http_headers.get_header("User-Agent") for r, _ in records if r.rec_type == "request"}
        assert sent_agents == {declared_agent.strip()}
        metadata = {
            r.rec_headers["WARC-Concurrent-To"]: body.decode()
            for r, body in records
            if r.rec_type == "metadata"
        }
        for record, _ in records:
            if record.rec_type not in ("response", "revisit"):
                continue
            fields = metadata[record.rec_headers["WARC-Record-ID"]]
            assert "spider: seeds" in fields
            uri = record.rec_headers["WARC-Target-URI"]
            if uri in article_urls and record.http_headers.get_statuscode() == "200":
                assert "via: demo.toml" in fields and "discovered-via: seeds" in fields
                assert "\noutlink: http://" in fields  # the article's links, gzip or not
            if record.http_headers.get_statuscode() == "301":
                assert "R Location" in fields


def test_folds_and_unchanged_refetches_are_recorded_as_decisions(demo, engine):
    decisions = query(engine, "SELECT kind, rule, subject, article_id, capture_id, evidence FROM decisions")
    folds = [d for d in decisions if d["kind"] == "url_folded"]
    assert any("utm_source=twitter" in d["subject"] and d["rule"] == "tracking-parameters" for d in folds)
    for fold in folds:
        assert fold["evidence"]["fetched_url"] == fold["subject"] != fold["evidence"]["article_url"]
    [run2] = query(engine, "SELECT max(id) AS id FROM crawl_runs")
    unchanged = query(
        engine,
        "SELECT d.rule, c.run_id FROM decisions d JOIN captures c ON c.id = d.capture_id"
        " WHERE d.kind = 'unchanged_refetch'",
    )
    [articles] = query(engine, "SELECT count(*) AS n FROM articles")
    assert len([u for u in unchanged if u["run_id"] == run2["id"]]) >= articles["n"]
    assert {u["rule"] for u in unchanged} <= {"same-text", "volatile-lines-ignored"}


def test_tags_and_repairs_are_stored_with_each_version(engine, site):
    rows = query(
        engine,
        "SELECT a.canonical_url, v.tags, v.extraction_fixes FROM article_versions v"
        " JOIN articles a ON a.id = v.article_id",
    )
    tagged = [r for r in rows if r["tags"]]
    assert len(tagged) >= len(rows) // 2
    repaired = {r["canonical_url"] for r in rows if r["extraction_fixes"]}
    bad = {canonical_url(u) for u, b in site.bad_pages.items() if b.problem in ("mojibake", "wrong-charset")}
    assert bad and bad <= repaired
