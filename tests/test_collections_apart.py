"""Collections stay apart: an article belongs to every collection that captured it, the views count
per collection, and drop-collection removes one collection's rows and nothing another one holds."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from tests.conftest import ROOT, query, run_cli

COUNTS = """
SELECT (SELECT count(*) FROM corpus) AS articles, (SELECT count(*) FROM captures) AS captures,
       (SELECT count(*) FROM crawl_runs) AS runs
"""


SHARED_SEEDS = 6


@pytest.fixture(scope="module")
def two_collections(make_database, tmp_path_factory):
    """The demo crawled as `demo`, then a second collection whose seeds are the first few of the
    demo's: those articles belong to both, the rest to `demo` only."""
    url = make_database()
    data = tmp_path_factory.mktemp("two-collections")
    env = {"DATABASE_URL": url, "DEMO_DATABASE_URL": url, "ARCHIVE_DATA_DIR": str(data)}
    head, *seeds = (ROOT / "collections" / "demo.toml").read_text(encoding="utf-8").split("[[seeds]]")
    second = data / "second.toml"
    second.write_text(
        head.replace('name = "demo"', 'name = "second"') + "[[seeds]]".join(["", *seeds[:SHARED_SEEDS]]),
        encoding="utf-8",
    )
    for collection in ("demo", str(second)):
        crawl = run_cli("demo", "--collection", collection, env=env)
        assert crawl.returncode == 0, crawl.stderr[-2000:]
    engine = create_engine(url)
    yield engine, env, data
    engine.dispose()


def test_an_article_captured_by_two_collections_belongs_to_both(two_collections):
    engine, _, _ = two_collections
    rows = query(engine, "SELECT canonical_url, collection, collections FROM corpus")
    shared = [r for r in rows if r["collections"] == ["demo", "second"]]
    assert len(shared) >= SHARED_SEEDS and len(shared) < len(rows)
    assert all(r["collections"] in (["demo"], ["demo", "second"]) for r in rows)
    # The first collection to capture an article names it; a later crawl does not move it.
    assert {r["collection"] for r in rows} == {"demo"}
    per = {r["collection"]: r["n"] for r in query(
        engine, "SELECT collection, sum(articles) AS n FROM coverage_daily GROUP BY 1")}
    dated = {r["c"]: r["n"] for r in query(
        engine, "SELECT unnest(collections) AS c, count(*) AS n FROM corpus WHERE published_at IS NOT NULL"
        " GROUP BY 1")}
    assert per == dated and per["second"] < per["demo"]
    stories = {r["collection"]: r["n"] for r in query(
        engine, "SELECT collection, sum(stories) AS n FROM stories_daily GROUP BY 1")}
    assert 0 < stories["second"] < stories["demo"]


def test_drop_collection_says_first_and_removes_only_its_own(two_collections):
    engine, env, data = two_collections
    before = query(engine, COUNTS)[0]
    shared = query(engine, "SELECT article_id, version_id FROM corpus WHERE 'second' = ANY(collections)"
                   " ORDER BY 1")
    second_daily = query(engine, "SELECT * FROM stories_daily WHERE collection = 'second' ORDER BY day")

    dry = run_cli("drop-collection", "demo", env=env)
    assert dry.returncode == 0 and "--yes" in dry.stdout
    assert query(engine, COUNTS)[0] == before

    done = run_cli("drop-collection", "demo", "--yes", env=env)
    assert done.returncode == 0, done.stderr
    # What the second collection holds is untouched, down to the version shown.
    assert query(engine, "SELECT article_id, version_id FROM corpus ORDER BY 1") == shared
    assert query(engine, "SELECT * FROM stories_daily WHERE collection = 'second' ORDER BY day") == second_daily
    assert query(engine, "SELECT DISTINCT collection FROM collection_articles") == [{"collection": "second"}]
    assert query(engine, COUNTS)[0]["captures"] < before["captures"]
    assert (data / "warc" / "demo").is_dir()  # WARC files stay unless asked

    gone = run_cli("drop-collection", "second", "--yes", "--warc", env=env)
    assert gone.returncode == 0, gone.stderr
    assert query(engine, "SELECT count(*) AS n FROM corpus")[0]["n"] == 0
    assert query(engine, "SELECT count(*) AS n FROM outlets")[0]["n"] == 0
    assert not (data / "warc" / "second").exists()


def test_an_unknown_collection_is_one_line(two_collections):
    _, env, _ = two_collections
    result = run_cli("drop-collection", "no-such-thing", env=env)
    assert result.returncode == 2 and "no collection named 'no-such-thing'" in result.stderr
    assert "Traceback" not in result.stderr
