"""Membership from every store path: an import or reprocess into another collection makes what it
read that collection's too; dropping the first collection with --warc leaves the second one's
provenance whole (its versions' WARC records and the records its revisits refer to)."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import create_engine

from pipeline.read import dropcollection
from pipeline.read.researcher import libpq_url, read_only
from tests.conftest import ROOT, query, run_cli
from tests.test_queries import research_queries

MEMBERS = "SELECT collection, count(*) AS n FROM collection_articles GROUP BY 1 ORDER BY 1"


@pytest.fixture(scope="module")
def imported(make_database, tmp_path_factory):
    """The demo crawled as `demo`, then its own WARC files imported as `copy`."""
    url = make_database()
    data = tmp_path_factory.mktemp("membership")
    env = {"DATABASE_URL": url, "DEMO_DATABASE_URL": url, "ARCHIVE_DATA_DIR": str(data)}
    crawl = run_cli("demo", "--collection", "demo", env=env)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    engine = create_engine(url)
    yield engine, env, data
    engine.dispose()


def test_an_import_into_another_collection_takes_in_what_it_read(imported):
    engine, env, data = imported
    demo = query(engine, "SELECT article_id, version_id, collection FROM corpus ORDER BY 1")
    demo_stories = query(engine, "SELECT story_id, articles, outlets FROM stories ORDER BY 1")
    warcs = sorted(str(p) for p in (data / "warc" / "demo").glob("*.warc.gz"))
    result = run_cli("import-warc", *warcs, "--collection", "copy", env=env)
    assert result.returncode == 0, result.stderr[-2000:]

    rows = query(engine, "SELECT article_id, version_id, collection, collections FROM corpus ORDER BY 1")
    # Same articles and versions, now each the demo's and the copy's; the first collection names it.
    assert [{k: r[k] for k in ("article_id", "version_id", "collection")} for r in rows] == demo
    assert all(r["collections"] == ["demo", "copy"] for r in rows)
    for name in ("demo", "copy"):
        per = query(
            engine, "SELECT story_id, articles, outlets FROM stories WHERE collection = :c ORDER BY 1", c=name
        )
        assert per == demo_stories

    # The documented side-by-side query: every article is both collections'.
    _, side_by_side = next(q for q in research_queries() if q[0].startswith("Collections side by side"))
    with psycopg.connect(libpq_url(env["DATABASE_URL"]), autocommit=True) as conn, read_only(conn):
        found = [row[:3] for row in conn.execute(side_by_side)]
    assert found == [("copy", len(rows), len(rows)), ("demo", len(rows), len(rows))]

    # A reprocess under each file's own collection (its warcinfo) adds no collection.
    again = run_cli("reprocess", env=env)
    assert again.returncode == 0, again.stderr[-2000:]
    assert query(engine, MEMBERS) == [{"collection": c, "n": len(rows)} for c in ("copy", "demo")]


def test_dropping_the_import_keeps_the_crawl(imported, monkeypatch, capsys):
    engine, env, _ = imported
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    before = query(engine, "SELECT article_id, version_id, collections FROM corpus ORDER BY 1")
    assert dropcollection.main(["copy", "--yes"]) == 0
    assert "copy: removed" in capsys.readouterr().out
    after = query(engine, "SELECT article_id, version_id, collections FROM corpus ORDER BY 1")
    assert after == [dict(r) | {"collections": ["demo"]} for r in before]
    assert query(engine, "SELECT DISTINCT collection FROM crawl_runs") == [{"collection": "demo"}]
    assert dropcollection.main(["copy"]) == 2
    assert capsys.readouterr().err.startswith("error: no collection named 'copy'")


@pytest.fixture(scope="module")
def recrawled(make_database, tmp_path_factory):
    """The demo crawled as `demo`, then again as `again`: the second crawl's unchanged pages are
    revisit records that refer to the demo's WARC records."""
    url = make_database()
    data = tmp_path_factory.mktemp("recrawled")
    env = {"DATABASE_URL": url, "DEMO_DATABASE_URL": url, "ARCHIVE_DATA_DIR": str(data)}
    again = data / "again.toml"
    again.write_text(_renamed_demo("again"), encoding="utf-8")
    for collection in ("demo", str(again)):
        crawl = run_cli("demo", "--collection", collection, env=env)
        assert crawl.returncode == 0, crawl.stderr[-2000:]
    engine = create_engine(url)
    yield engine, env, data
    engine.dispose()


def _renamed_demo(name: str) -> str:
    return (ROOT / "collections" / "demo.toml").read_text(encoding="utf-8").replace(
        'name = "demo"', f'name = "{name}"', 1
    )


SEEN_AT_CAPTURES = """
SELECT m.article_id, min(c.fetched_at) AS first_seen, max(c.fetched_at) AS last_seen
FROM (SELECT article_id, capture_id FROM article_versions
      UNION SELECT article_id, capture_id FROM decisions
      WHERE kind IN ('url_folded', 'unchanged_refetch') AND capture_id IS NOT NULL) m
JOIN captures c ON c.id = m.capture_id
JOIN crawl_runs r ON r.id = c.run_id AND r.collection = ANY(%(kept)s)
GROUP BY 1 ORDER BY 1
"""


def test_dropping_a_recrawl_dates_the_articles_by_the_captures_left(recrawled):
    """Inside a transaction rolled back at the end: each article is first and last seen when the
    remaining collection captured it, not at the dropped re-crawl."""
    engine, env, _ = recrawled
    with psycopg.connect(libpq_url(env["DATABASE_URL"]), autocommit=True) as conn:
        demo_only = conn.execute(SEEN_AT_CAPTURES, {"kept": ["demo"]}).fetchall()
        with conn.transaction(force_rollback=True):
            result = dropcollection.drop_collection(conn, "again", apply=True)
            seen = conn.execute("SELECT id, first_seen, last_seen FROM articles ORDER BY 1").fetchall()
    assert result.redated > 0 and result.removed["crawl_runs"] == 1
    assert seen == demo_only


def test_dropping_the_first_crawl_with_its_warc_files_leaves_the_second_verifiable(recrawled):
    engine, env, data = recrawled
    revisits = query(engine, "SELECT count(*) AS n FROM captures c JOIN crawl_runs r ON r.id = c.run_id"
                     " WHERE r.collection = 'again' AND c.warc_type = 'revisit'")[0]["n"]
    assert revisits > 0, "the second crawl wrote revisits of the demo's records"
    kept = query(
        engine, "SELECT article_id, version_id FROM corpus WHERE 'again' = ANY(collections) ORDER BY 1"
    )

    done = run_cli("drop-collection", "demo", "--yes", "--warc", env=env)
    assert done.returncode == 0, done.stderr
    assert query(engine, "SELECT article_id, version_id FROM corpus ORDER BY 1") == kept
    assert query(engine, "SELECT DISTINCT collection FROM collection_articles") == [{"collection": "again"}]
    # Every record the corpus points to, and every record a revisit refers to, is still on disk.
    verify = run_cli("verify", env=env)
    assert verify.returncode == 0, verify.stdout[-2000:] + verify.stderr[-2000:]
    left = query(engine, "SELECT count(*) AS n FROM captures c WHERE c.refers_to_record_id IS NOT NULL"
                 " AND NOT EXISTS (SELECT 1 FROM captures o WHERE o.warc_record_id = c.refers_to_record_id)")
    assert left[0]["n"] == 0
    assert any((data / "warc" / "demo").glob("*.warc.gz")), "the files the second crawl refers to stay"
