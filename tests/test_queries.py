"""docs/queries.sql: every research query says what it answers, runs read-only as the researcher
role, and returns rows on the demo corpus."""

from __future__ import annotations

import re

import psycopg
import pytest

from pipeline.researcher import libpq_url, read_only
from tests.conftest import ROOT

QUERIES = ROOT / "docs" / "queries.sql"


def research_queries() -> list[tuple[str, str]]:
    """(what it answers, SQL) for each statement: the comment lines just above its first SQL line."""
    found = []
    for chunk in re.split(r";[ \t]*(?:\n|$)", QUERIES.read_text(encoding="utf-8")):
        lines = chunk.strip("\n").splitlines()
        sql_at = next((i for i, line in enumerate(lines) if line.strip() and not line.startswith("--")), None)
        if sql_at is None:
            continue
        comment = []
        for line in reversed(lines[:sql_at]):
            if not line.startswith("-- "):
                break
            comment.insert(0, line[3:])
        found.append((" ".join(comment), "\n".join(lines[sql_at:])))
    return found


def test_at_least_twelve_queries_each_saying_what_it_answers():
    queries = research_queries()
    assert len(queries) >= 12
    assert all(len(what) > 20 for what, _ in queries), [sql[:60] for what, sql in queries if len(what) <= 20]


def test_the_queries_the_issue_asks_for_are_there():
    answers = " ".join(what.lower() for what, _ in research_queries())
    for topic in ("timeline", "first", "syndicated", "versions", "fbi", "wrote most", "guardians of peace"):
        assert topic in answers


@pytest.fixture(scope="module")
def conn(demo_archive):
    with psycopg.connect(libpq_url(demo_archive.database_url), autocommit=True) as conn:
        yield conn


@pytest.mark.parametrize("what, sql", research_queries(), ids=[w[:50] for w, _ in research_queries()])
def test_query_returns_rows_on_the_demo_corpus(conn, what, sql):
    with read_only(conn):
        rows = conn.execute(sql, prepare=True).fetchall()
    assert rows, f"no rows for: {what}"
