"""End to end: `make demo` (`collections/demo-discovery.toml`: entry points, not a list of
articles) finds every on-topic fixture article, and the pages gone from the live fixture web in its
web archive, and no off-topic page; each article says how it was found."""

from __future__ import annotations

import re

from sqlalchemy import create_engine

from pipeline.demo.discovery_docs import FORBIDDEN_PATH, FORBIDDING_HOST
from pipeline.rebuild.verify import capture_outcomes
from tests.conftest import ROOT, query, run_cli
from tests.discovery_helpers import crawl, demo_archive_pages

SOURCES = {"seeds", "sitemap", "feed", "references", "links"}


def test_demo_discovery_finds_the_coverage(fixture_web, site, make_database, tmp_path):
    text = (ROOT / "collections" / "demo-discovery.toml").read_text(encoding="utf-8")
    result, database, hits = crawl(fixture_web, make_database, tmp_path, "demo-discovery", text)
    assert f"http://{FORBIDDING_HOST}{FORBIDDEN_PATH}" not in hits
    engine = create_engine(database)
    rows = query(engine, "SELECT canonical_url, discovered_via, discovered_from FROM corpus")
    notes = {r["url"] for r in query(engine, "SELECT url FROM captures WHERE note LIKE 'off-topic:%'")}
    engine.dispose()
    found = {r["canonical_url"] for r in rows}
    assert found == {p.url for p in site.published("on")}  # paywall teasers too
    assert not found & {p.url for p in site.articles("off")}
    assert notes  # off-topic pages the feeds listed stay captures, with the reason
    assert {r["discovered_via"] for r in rows} == SOURCES
    assert all(r["discovered_from"] for r in rows)
    assert "Traceback" not in result.stderr


def test_make_demo_starts_from_entry_points_and_reads_the_web_archive(site, make_database, tmp_path):
    database = make_database()
    result = run_cli(
        "demo", env={"DEMO_DATABASE_URL": database, "ARCHIVE_DATA_DIR": str(tmp_path / "var")}
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stdout + result.stderr
    # The edited article it names is the one the README's quick start runs `versions` on.
    [named] = re.findall(r"--demo versions (\S+)", result.stdout)
    assert f"--demo versions {named}\n" in (ROOT / "README.md").read_text(encoding="utf-8")
    engine = create_engine(database)
    rows = query(engine, "SELECT canonical_url, discovered_via, archived_at FROM corpus")
    engine.dispose()
    found = {r["canonical_url"] for r in rows}
    gone = demo_archive_pages()  # in the fixture Wayback or Common Crawl only
    assert found == {p.url for p in site.at(2).published("on")} | gone  # both editions crawled
    assert all(r["archived_at"] is not None for r in rows if r["canonical_url"] in gone)
    assert SOURCES | {"wayback", "commoncrawl"} >= {r["discovered_via"] for r in rows} >= SOURCES
    assert "commoncrawl" in {r["discovered_via"] for r in rows if r["canonical_url"] in gone}
    # Every page fetched has its outcome; the reference page was read for its links, and says so.
    engine = create_engine(database)
    assert capture_outcomes(engine).missing == []
    sources = query(engine, "SELECT note FROM captures WHERE note LIKE 'discovery source (references)%'")
    engine.dispose()
    assert sources

    # The WARC files alone rebuild the same corpus: discovery, archive identity and the topic filter.
    rebuilt = make_database()
    env = {"DATABASE_URL": rebuilt, "ARCHIVE_DATA_DIR": str(tmp_path / "var")}
    again = run_cli("reprocess", "--collection", "demo-discovery", env=env)
    assert again.returncode == 0, again.stderr[-3000:]
    content = (
        "SELECT canonical_url, title, text, discovered_via, discovered_from, archived_at"
        " FROM corpus ORDER BY canonical_url"
    )
    first_engine, second_engine = create_engine(database), create_engine(rebuilt)
    assert query(second_engine, content) == query(first_engine, content)
    first_engine.dispose()
    second_engine.dispose()
