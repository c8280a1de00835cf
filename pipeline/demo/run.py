"""`make demo`: the fixture web crawled into the demo's database. On the first run it is crawled
twice, as first published and after its second edition (a correction, a changed headline, an
added paragraph), so that `versions` has edits to show. Each crawl is a process of its own: Scrapy
runs once per process."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from sqlalchemy import text

from pipeline.collection import Collection
from pipeline.database import engine_for
from pipeline.demo.archive import FixtureArchive
from pipeline.demo.server import FixtureWeb
from pipeline.demo.site import Site
from pipeline.paths import data_dir
from pipeline.read.replay import ReplayError

EDITION_STAGES = {
    1: "crawl of the fixture web as first published (edition 1)",
    2: "crawl of the fixture web's second edition: some articles were corrected, retitled or extended",
}


def run_demo(collection: Collection, url: str, edition: int, port: int, log_level: str) -> int:
    """Crawls the fixture web (both editions unless `edition` is 1 or the database has runs);
    the first crawl's non-zero exit status, or 0."""
    editions = [edition] if edition == 1 or _has_runs(url) else [1, 2]
    with FixtureWeb(port=port).start() as web, _fixture_archive(collection, web.site):
        print(f"fixture web serving {len(web.site.hosts)} outlets via {web.proxy_url}")
        for step, shown in enumerate(editions, 1):
            web.edition = shown
            print(f"\n[{step}/{len(editions)}] {EDITION_STAGES[shown]}", flush=True)
            status = _crawl_process(collection.path, url, web.proxy_url, log_level)
            if status != 0:
                return status
    return 0


def edited_article(url: str, collection: str) -> str | None:
    """The URL of an article of the collection with more than one version, to try `versions` on."""
    sql = text(
        "SELECT c.canonical_url FROM corpus c JOIN collection_articles m ON m.article_id = c.article_id"
        " WHERE m.collection = :collection AND c.version_count > 1 ORDER BY c.canonical_url LIMIT 1"
    )
    with engine_for(url).connect() as conn:
        return conn.execute(sql, {"collection": collection}).scalar()


def _has_runs(url: str) -> bool:
    """Whether a crawl already went into the demo's database (the fixture web then stays at 2)."""
    with engine_for(url).connect() as conn:
        return bool(conn.execute(text("SELECT EXISTS (SELECT 1 FROM crawl_runs)")).scalar())


def _crawl_process(collection: Path, url: str, proxy: str, log_level: str) -> int:
    """`python -m pipeline crawl` through the fixture web, into the demo's database."""
    env = {**os.environ, "DATABASE_URL": url, "DEMO_DATABASE_URL": url}
    command = [
        sys.executable, "-m", "pipeline", "crawl", "--collection", str(collection),
        "--proxy", proxy, "--log-level", log_level,
    ]  # fmt: skip
    return subprocess.run(command, env=env).returncode


def _fixture_archive(collection: Collection, site: Site) -> AbstractContextManager:
    """The fixture web archive (pywb) when the collection reads web archives and pywb is there."""
    if not (collection.archives or collection.commoncrawl):
        return nullcontext()
    try:
        return FixtureArchive(site, data_dir() / "fixture-archive")
    except ReplayError as exc:
        print(f"web-archive sources will fail: {exc}")
        return nullcontext()
