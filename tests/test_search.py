"""Full-text search: ranked, filtered, highlighted; the same from the command line and from SQL;
a query with nothing to search for is one clear line."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import psycopg
import pytest

from pipeline.read.researcher import ReadingError, libpq_url
from pipeline.read.search import main, search
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def conn(demo_archive):
    with psycopg.connect(libpq_url(demo_archive.database_url), autocommit=True) as conn:
        yield conn


def run_search(demo_archive, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": demo_archive.database_url}
    command = [sys.executable, "-m", "pipeline.read.search", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_phrase_search_with_a_date_limit(conn):
    hits = search(conn, '"Guardians of Peace"', until=dt.date(2014, 11, 30))
    assert len(hits) >= 3
    assert all(h.published_at < dt.datetime(2014, 12, 1, tzinfo=dt.UTC) for h in hits)
    assert all("«Guardians» of «Peace»" in h.snippet for h in hits)
    assert [h.rank for h in hits] == sorted((h.rank for h in hits), reverse=True)


def test_boolean_exclusion_and_outlet_filter(conn):
    everything = {h.article_id for h in search(conn, '"North Korea"', limit=100)}
    without = {h.article_id for h in search(conn, '"North Korea" -sanctions', limit=100)}
    assert without and without < everything
    bitwire = search(conn, '"North Korea"', outlet="Bitwire", limit=100)
    assert bitwire and {h.outlet for h in bitwire} == {"Bitwire"}
    assert {h.article_id for h in search(conn, '"North Korea"', outlet="www.bitwire.test", limit=100)} == {
        h.article_id for h in bitwire
    }


def test_since_until_and_limit(conn):
    hits = search(conn, "Sony", since=dt.date(2014, 12, 19), until=dt.date(2014, 12, 19), limit=100)
    assert hits and {h.published_at.astimezone(dt.UTC).date() for h in hits} == {dt.date(2014, 12, 19)}
    assert len(search(conn, "Sony", limit=3)) == 3


def test_the_sql_function_gives_the_same_answer(conn):
    rows = conn.execute(
        "SELECT article_id, rank FROM search_corpus('north korea attribution', outlet => 'Bitwire')"
    ).fetchall()
    hits = search(conn, "north korea attribution", outlet="Bitwire")
    assert rows and [(h.article_id, h.rank) for h in hits] == rows


@pytest.mark.parametrize("query", ["", "   ", "the of and", '" "'])
def test_nothing_to_search_for_is_a_reading_error(conn, query):
    with pytest.raises(ReadingError, match="search"):
        search(conn, query)


def test_the_sql_function_explains_an_empty_query(conn):
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="nothing to search for"):
        conn.execute("SELECT * FROM search_corpus('the')")


def test_command_line_prints_ranked_hits(demo_archive, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", demo_archive.database_url)
    assert main(['"Guardians of Peace"', "--until", "2014-11-30", "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2 articles match")
    assert " 1. " in out and " 2. " in out and "«Guardians»" in out and "http://" in out


def test_no_match_exits_1(demo_archive, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", demo_archive.database_url)
    assert main(["zzyzx"]) == 1
    assert "no article matches" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, message",
    [
        (["the"], "nothing to search for"),
        ([""], "empty search query"),
        (["sony", "--outlet", "Nowhere Gazette"], "no outlet named 'Nowhere Gazette'"),
        (["sony", "--since", "2014-13-01"], "expected a date as YYYY-MM-DD"),
        (["sony", "--since", "2014-12-20", "--until", "2014-12-01"], "is after"),
        (["sony", "--limit", "0"], "--limit"),
    ],
)
def test_mistakes_are_one_line_with_exit_status_2(demo_archive, args, message):
    done = run_search(demo_archive, *args)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_collection_filter_and_citations(conn):
    everywhere = search(conn, "Sony", limit=100)
    in_demo = search(conn, "Sony", limit=100, collection="demo")
    assert in_demo and {h.article_id for h in in_demo} <= {h.article_id for h in everywhere}
    assert all(h.citation and h.canonical_url in h.citation and "Accessed" in h.citation for h in in_demo)
    with pytest.raises(ReadingError, match="no collection named"):
        search(conn, "Sony", collection="nowhere")
