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
from sqlalchemy import create_engine
from warcio.archiveiterator import ArchiveIterator

from pipeline.normalize import canonical_url
from tests.conftest import query, run_cli

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
def demo_database(make_database):
    return make_database()


@pytest.fixture(scope="module")
def engine(demo_database):
    engine = create_engine(demo_database)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def demo(demo_database, tmp_path_factory):
    """Two demo crawls into their own database, as `make demo` runs them."""
    data = tmp_path_factory.mktemp("var")
    env = {"DATABASE_URL": demo_database, "ARCHIVE_DATA_DIR": str(data)}
    first = run_cli("demo", env=env)
    second = run_cli("demo", env=env)
    return first, second, data


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
    expected = sorted(canonical_url(page.url) for page in site.articles("on"))
    assert len(expected) >= 40
    assert [row["canonical_url"] for row in corpus] == expected


def test_rolling_stone_row_holds_headline_and_body_and_no_chrome(corpus, site):
    page = site.page(f"http://www.rollingstone.test{ROLLING_STONE_PATH}")
    [row] = [r for r in corpus if r["canonical_url"].endswith(ROLLING_STONE_PATH)]
    assert plain_quotes(row["title"]) == plain_quotes(page.title)
    assert row["dek"] == page.dek
    assert row["outlet"] == "Rolling Stone"
    assert row["text"].split("\n") == list(page.paragraphs)
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
    assert counts["versions"] == counts["articles"] == len(site.articles("on"))
    assert counts["runs"] == 2


def test_every_fetch_is_a_capture_failures_included(engine):
    rows = query(engine, "SELECT url, status, error, warc_record_id FROM captures")
    assert any(r["url"].endswith("/never-published/") and r["status"] == 404 for r in rows)
    assert any(r["status"] == 301 for r in rows)  # the redirect hop is its own capture
    assert all(r["warc_record_id"] for r in rows if r["status"] is not None)


def _sha1_b32(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def test_corpus_rows_point_at_their_archived_bytes(corpus, demo):
    warc_dir = demo[2] / "warc" / "demo"
    for row in corpus:
        with (warc_dir / row["warc_file"]).open("rb") as fh:
            fh.seek(row["warc_offset"])
            member = fh.read(row["warc_length"])
        record = next(iter(ArchiveIterator(io.BytesIO(member))))
        assert record.rec_type == "response"
        assert record.rec_headers["WARC-Record-ID"] == row["warc_record_id"]
        payload = record.raw_stream.read()
        assert _sha1_b32(payload) == row["payload_digest"] == record.rec_headers["WARC-Payload-Digest"]


def test_compressed_responses_are_archived_compressed(corpus, demo):
    warc_dir = demo[2] / "warc" / "demo"
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


def readme_queries() -> list[str]:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("### Example queries", 1)[1].split("### ", 1)[0]
    return re.findall(r"```sql\n(.*?)```", section, flags=re.S)


def test_readme_example_queries_return_rows_on_the_demo_corpus(corpus, engine):
    queries = readme_queries()
    assert len(queries) >= 5
    for sql in queries:
        assert query(engine, sql), sql
