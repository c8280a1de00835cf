"""Shared by the discovery tests: fetch a fixture document, and crawl a collection file."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from pipeline.collection import load_collection
from pipeline.demo.discovery_docs import archive_only_pages
from pipeline.demo.moved import moved_pages
from tests.conftest import ROOT, run_cli

HEAD = (
    '[collection]\nname = "{name}"\ntitle = "T"\ncontact = "mailto:t@example.org"\n'
    "window = {{ start = 2014-11-24, end = 2015-02-28 }}\n"
    'keywords = ["Sony", "Guardians of Peace", "The Interview", "North Korea", "hack", "FBI", "leak",'
    ' "cyber"]\n'
)


def get(web, url: str) -> bytes:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": web.proxy_url}))
    with opener.open(url, timeout=30) as answer:
        return answer.read()


def crawl(web, make_database, tmp_path: Path, name: str, body: str, *settings: str):
    """Crawl a collection of HEAD + body (or a whole file's text) through the fixture web, with
    Scrapy settings ("NAME=VALUE"); (result, database URL, hits)."""
    path = tmp_path / f"{name}.toml"
    whole = body.lstrip().startswith(("#", "[collection]"))
    path.write_text(body if whole else HEAD.format(name=name) + body, encoding="utf-8")
    database = make_database()
    before = len(web.hits)
    env = {"DATABASE_URL": database, "ARCHIVE_DATA_DIR": str(tmp_path / "var")}
    options = [arg for setting in settings for arg in ("-s", setting)]
    result = run_cli("crawl", "--collection", str(path), "--proxy", web.proxy_url, *options, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Traceback" not in result.stdout + result.stderr
    return result, database, [h.url for h in web.hits[before:]]


def demo_archive_pages() -> set[str]:
    """The articles `make demo` can only take from a web archive: the pages gone from the live
    fixture web (in its Wayback), and the moved pages the demo's Common Crawl patterns cover."""
    collection = load_collection(ROOT / "collections" / "demo-discovery.toml")
    prefixes = [p.rstrip("*") for s in collection.commoncrawl for p in s.patterns]
    moved = {p.url for p, _ in moved_pages() if p.url.split("://", 1)[1].startswith(tuple(prefixes))}
    return {p.url for p in archive_only_pages()} | moved
