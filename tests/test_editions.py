"""Versions across crawls: a real edit makes a second version; a changed timestamp or counter does not."""

from __future__ import annotations

import re

import psycopg
import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from pipeline.demo import FixtureWeb
from pipeline.demo.moved import moved_pages
from pipeline.normalize.forms import canonical_url
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


def test_make_demo_shows_edits_reads_common_crawl_and_keeps_to_its_own_database(make_database, tmp_path, site):
    """`make demo` on a fresh machine: the fixture web crawled, then crawled again after its second
    edition, into `<database>_demo` beside the corpus; `versions` on the URL it prints shows the edit,
    and Common Crawl's index brought a page the other sources do not know."""
    corpus_url = make_database()
    corpus = make_url(corpus_url)
    demo_name = f"{corpus.database}_demo"
    admin = corpus.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    env = {"DATABASE_URL": corpus_url, "DEMO_DATABASE_URL": "", "ARCHIVE_DATA_DIR": str(tmp_path / "var")}
    edited = {canonical_url(p.url): p for p in site.updated_pages}
    try:
        first = run_cli("demo", env=env)
        assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-3000:]
        assert "Traceback" not in first.stdout + first.stderr
        assert "[1/2]" in first.stdout and "[2/2]" in first.stdout
        assert re.search(rf"articles: 0 new, {len(edited)} updated, \d+ unchanged", first.stdout)
        assert " INFO: " not in first.stderr  # quiet: a summary per crawl

        [url] = re.findall(r"python -m pipeline --demo versions (\S+)", first.stdout)
        page = edited[url]
        history = run_cli("--demo", "versions", url, env=env)
        assert history.returncode == 0, history.stderr
        assert "2 version(s)" in history.stdout
        changed = [p for p in page.paragraphs_for(2) if p not in page.paragraphs_for(1)]
        assert changed and all(f"+{p}" in history.stdout for p in changed)

        demo_engine = create_engine(corpus.set(database=demo_name))
        rows = query(demo_engine, "SELECT canonical_url, discovered_via, archived_at, version_count FROM corpus")
        demo_engine.dispose()
        assert {r["canonical_url"] for r in rows if r["version_count"] == 2} == set(edited)
        from_cc = [r for r in rows if r["discovered_via"] == "commoncrawl"]
        assert from_cc and all(r["archived_at"] is not None for r in from_cc)
        moved = {canonical_url(p.url) for p, _ in moved_pages()}
        assert {r["canonical_url"] for r in from_cc} <= moved  # gone from the live web, kept by the archive

        # The corpus holds none of it: reading commands see the demo only with --demo.
        engine = create_engine(corpus_url)
        assert query(engine, "SELECT count(*) AS n FROM captures")[0]["n"] == 0
        engine.dispose()
        assert run_cli("search", "Sony", env=env).returncode == 1  # no match in the corpus
        found = run_cli("--demo", "search", "Sony", env=env)
        assert found.returncode == 0 and "bitwire" in found.stdout.lower(), found.stderr

        # The fixture web stays at its second edition: a later demo crawls once, and nothing changed.
        again = run_cli("demo", env=env)
        assert again.returncode == 0, again.stderr[-3000:]
        assert "[1/1]" in again.stdout and "[2/2]" not in again.stdout
        assert re.search(r"articles: 0 new, 0 updated, \d+ unchanged", again.stdout)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{demo_name}" WITH (FORCE)')
