"""Versions across crawls: a real edit makes a second version; a changed timestamp or counter does not."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from pipeline.fixtureweb import FixtureWeb
from pipeline.normalize import canonical_url
from tests.conftest import query, run_cli


@pytest.fixture
def edited_web(site):
    with FixtureWeb(site=site).start() as web:
        yield web


def test_an_edited_article_gets_a_second_version_and_noise_does_not(
    make_database, tmp_path, site, edited_web
):
    url = make_database()
    env = {"DATABASE_URL": url, "ARCHIVE_DATA_DIR": str(tmp_path / "var")}
    edited = [p.url for p in site.updated_pages]
    noisy = [p.url for p in site.articles("on") if getattr(p, "volatile", None)]
    assert edited and noisy
    seeds = "".join(f'[[seeds]]\nurl = "{u}"\n' for u in edited + noisy)
    collection = tmp_path / "editions.toml"
    collection.write_text(f'[collection]\nname = "editions"\ntitle = "Editions"\n{seeds}')
    args = ("crawl", "--collection", str(collection), "--proxy", edited_web.proxy_url)

    first = run_cli(*args, env=env)
    assert first.returncode == 0, first.stderr[-2000:]
    edited_web.edition = 2
    second = run_cli(*args, env=env)
    assert second.returncode == 0, second.stderr[-2000:]
    assert f"0 new, {len(edited)} updated, {len(noisy)} unchanged" in second.stdout

    engine = create_engine(url)
    counts = {
        r["canonical_url"]: r["version_count"]
        for r in query(engine, "SELECT canonical_url, version_count FROM corpus")
    }
    rules = {r["rule"] for r in query(engine, "SELECT rule FROM decisions WHERE kind = 'unchanged_refetch'")}
    engine.dispose()
    assert all(counts[canonical_url(u)] == 2 for u in edited)
    assert all(counts[canonical_url(u)] == 1 for u in noisy)
    assert "volatile-lines-ignored" in rules or "same-text" in rules

    page = site.page(edited[0])
    history = run_cli("versions", edited[0], env=env)
    assert history.returncode == 0, history.stderr
    assert "2 version(s)" in history.stdout and "--- version 1" in history.stdout
    added = [p for p in page.paragraphs_for(2) if p not in page.paragraphs_for(1)]
    assert added and f"+{added[0]}" in history.stdout
