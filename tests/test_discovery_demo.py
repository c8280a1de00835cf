"""End to end: `collections/demo-discovery.toml` (entry points, not a list of articles) finds every
on-topic fixture article and no off-topic one, each with how it was found."""

from __future__ import annotations

from sqlalchemy import create_engine

from pipeline.fixtureweb.discovery_docs import FORBIDDEN_PATH, FORBIDDING_HOST
from tests.conftest import ROOT, query
from tests.discovery_helpers import crawl

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
    assert found == {p.url for p in site.articles("on")}
    assert not found & {p.url for p in site.articles("off")}
    assert notes  # off-topic pages the feeds listed stay captures, with the reason
    assert {r["discovered_via"] for r in rows} == SOURCES
    assert all(r["discovered_from"] for r in rows)
    assert "Traceback" not in result.stderr
