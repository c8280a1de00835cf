"""The end-to-end benchmark's site: N article pages on several outlet hosts, linked from paginated
section pages, a share of them syndicated copies (one article's text on a second outlet), built
once into ``var/bench/site/<N>-<hash>/`` and reused while N, the data and this code stay the same.

What is on disk, for the server (bench/siteserver.py) and extract_only (bench/modes.py):

- ``pages.bin``: every page gzip-compressed, back to back (served as sent: Content-Encoding gzip);
- ``index.json``: per page its URL, kind (article / section), offset and length in pages.bin,
  ETag, and for a syndicated copy the URL of its original;
- ``collection.toml``: the collection the crawl runs, its seeds the section pages;
- ``meta.json``: what was built and from what; written last, so a half-built site is rebuilt.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import os
import re
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bench.errors import BenchError
from bench.sitepages import (
    TEMPLATE_VERSION,
    Source,
    Template,
    check_template,
    load_source,
    prepare,
    vocabulary,
)
from pipeline.paths import data_dir

BUILD_VERSION = 2  # bump when a change here or in sitepages.py changes the pages
SYNDICATED_SHARE = 0.10
PER_SECTION_PAGE = 50
OUTLETS = (
    ("www.bench-herald.test", "The Bench Herald"),
    ("www.bench-courier.test", "Bench Courier"),
    ("www.bench-gazette.test", "The Bench Gazette"),
    ("www.bench-tribune.test", "Bench Tribune"),
    ("www.bench-ledger.test", "The Bench Ledger"),
    ("www.bench-chronicle.test", "Bench Chronicle"),
    ("www.bench-sentinel.test", "The Bench Sentinel"),
    ("www.bench-observer.test", "Bench Observer"),
)
SECTIONS = ("world", "politics", "business", "technology")
# The collection's keyword, in the anchor text of every headline on the section pages: the focused
# link follower's link score needs one. Not in the article URLs: a page-relative link on a saved
# page would inherit it and send the crawl to pages the site does not have.
KEYWORD = "Loopbench"
COLLECTION = "bench"
KEEP_SITES = 3  # built sites kept under var/bench/site (the most recently used)
_SLUG_SKIP = {"video", "videos", "live", "gallery", "photos", "watch", "podcast", "audio", "amp", "print"}


def bench_dir() -> Path:
    return data_dir() / "bench"


@dataclass(frozen=True, slots=True)
class BuiltSite:
    """A built site on disk and what meta.json says of it."""

    path: Path
    meta: dict

    @property
    def pages_file(self) -> Path:
        return self.path / "pages.bin"

    @property
    def collection_file(self) -> Path:
        return self.path / "collection.toml"

    def index(self) -> list[dict]:
        return json.loads((self.path / "index.json").read_text(encoding="utf-8"))

    def articles(self) -> list[dict]:
        return [p for p in self.index() if p["kind"] == "article"]


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def build_site(pages: int, source: Source | None = None) -> BuiltSite:
    """The site for `pages` articles, built now unless an identical one is already on disk."""
    source = source or load_source()
    key = hashlib.sha256(f"{BUILD_VERSION}:{pages}:{source.digest}".encode()).hexdigest()[:12]
    root = bench_dir() / "site"
    path = root / f"{pages}-{key}"
    meta_file = path / "meta.json"
    if meta_file.is_file():
        os.utime(path)
        return BuiltSite(path, json.loads(meta_file.read_text(encoding="utf-8")))
    started = time.perf_counter()
    templates, rejected = usable_templates(source)
    if not templates:
        raise BenchError(f"no usable article template in {source.name}")
    log(f"building a {pages}-article site from {len(templates)} templates ({source.name})")
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    meta = _write_site(path, pages, templates, vocabulary(templates))
    meta.update(
        source=source.name,
        real_pages=source.real,
        source_digest=source.digest,
        templates_used=len(templates),
        templates_rejected=rejected,
        build_seconds=round(time.perf_counter() - started, 2),
    )
    meta_file.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    _prune(root, keep=path)
    return BuiltSite(path, meta)


def usable_templates(source: Source) -> tuple[list[Template], dict[str, str]]:
    """The templates that still make distinct articles after rewriting (checked once per data set,
    on every core, the verdicts cached in var/bench/templates-<hash>.json)."""
    templates = [prepare(page) for page in source.pages]
    cache = bench_dir() / f"templates-{TEMPLATE_VERSION}-{source.digest}.json"
    if cache.is_file():
        verdicts = json.loads(cache.read_text(encoding="utf-8"))
    else:
        log(f"checking {len(templates)} article templates (once per data set)")
        words = vocabulary(templates)
        with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
            results = pool.map(check_template, [(t, words) for t in templates], chunksize=4)
            verdicts = {tid: reason for tid, reason, _ in results}
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(verdicts, indent=1), encoding="utf-8")
    rejected = {tid: reason for tid, reason in verdicts.items() if reason}
    return [t for t in templates if verdicts.get(t.id, "unchecked") is None], rejected


def _slug(title: str) -> str:
    words = [w for w in re.findall(r"[a-z0-9]+", title.lower()) if w not in _SLUG_SKIP]
    return "-".join(words[:6])


@dataclass(slots=True)
class _Article:
    number: int
    template: Template
    outlet: int
    section: str
    url: str
    title: str
    original: _Article | None = None


def plan_articles(pages: int, templates: list[Template]) -> list[_Article]:
    """Which article goes where: originals round-robin over outlets, sections and templates; the
    last SYNDICATED_SHARE of them copies of spread-out originals, each on another outlet."""
    copies = int(pages * SYNDICATED_SHARE) if pages >= 2 else 0
    originals = pages - copies
    start = date(2024, 1, 1)
    articles: list[_Article] = []

    def url_of(number: int, outlet: int, section: str, title: str) -> str:
        day = start + timedelta(days=number % 366)
        slug = _slug(title)
        return (
            f"http://{OUTLETS[outlet][0]}/{section}/{day:%Y/%m/%d}/{number:06d}{'-' + slug if slug else ''}/"
        )

    for i in range(originals):
        template = templates[i % len(templates)]
        outlet = i % len(OUTLETS)
        section = SECTIONS[(i // len(OUTLETS)) % len(SECTIONS)]
        title = f"{template.title or 'News report'} (No. {i + 1})"
        articles.append(_Article(i, template, outlet, section, url_of(i, outlet, section, title), title))
    for j in range(copies):
        source = articles[j * originals // copies]
        number = originals + j
        outlet = (source.outlet + 1 + j % (len(OUTLETS) - 1)) % len(OUTLETS)
        section = SECTIONS[j % len(SECTIONS)]
        url = url_of(number, outlet, section, source.title)
        articles.append(_Article(number, source.template, outlet, section, url, source.title, source))
    return articles


def _write_site(path: Path, pages: int, templates: list[Template], words: tuple[str, ...]) -> dict:
    articles = plan_articles(pages, templates)
    index: list[dict] = []
    html_bytes = 0
    with (path / "pages.bin").open("wb") as out:

        def add(url: str, kind: str, body: bytes, **extra) -> None:
            nonlocal html_bytes
            packed = gzip.compress(body, compresslevel=6, mtime=0)
            index.append(
                {
                    "url": url,
                    "kind": kind,
                    "offset": out.tell(),
                    "length": len(packed),
                    "etag": '"' + hashlib.sha1(body).hexdigest()[:20] + '"',
                    **extra,
                }
            )
            html_bytes += len(body)
            out.write(packed)

        for a in articles:
            seed = f"{BUILD_VERSION}:{(a.original or a).number}"  # a copy: its original's text
            body = a.template.render(seed, a.url, a.title, words)
            add(a.url, "article", body, original=a.original.url if a.original else None)
        seeds = []
        for outlet, (host, name) in enumerate(OUTLETS):
            for section in SECTIONS:
                listed = [a for a in articles if a.outlet == outlet and a.section == section]
                chunks = [listed[i : i + PER_SECTION_PAGE] for i in range(0, len(listed), PER_SECTION_PAGE)]
                for number, chunk in enumerate(chunks, 1):
                    url = section_url(host, section, number)
                    more = section_url(host, section, number + 1) if number < len(chunks) else None
                    add(url, "section", section_page(name, host, section, number, chunk, more))
                    seeds.append((url, name))
    (path / "index.json").write_text(json.dumps(index), encoding="utf-8")
    (path / "collection.toml").write_text(collection_toml(pages, seeds), encoding="utf-8")
    return {
        "pages": pages,
        "syndicated": sum(1 for a in articles if a.original),
        "section_pages": len(seeds),
        "outlets": [host for host, _ in OUTLETS],
        "html_bytes": html_bytes,
        "gzip_bytes": (path / "pages.bin").stat().st_size,
    }


def section_url(host: str, section: str, number: int) -> str:
    return f"http://{host}/{section}/" if number == 1 else f"http://{host}/{section}/page/{number}/"


def section_page(name: str, host: str, section: str, number: int, articles: list, more: str | None) -> bytes:
    """A plain listing page: outlet chrome, the section's navigation, 50 headlines, next page."""
    e = html.escape
    nav = "".join(f'<li><a href="{section_url(host, s, 1)}">{s.title()}</a></li>' for s in SECTIONS)
    items = "".join(
        f'<li class="teaser"><a href="{e(a.url)}"><span class="kicker">{KEYWORD}</span> '
        f"{e(a.title)}</a></li>\n"
        for a in articles
    )
    nxt = f'<a class="next" rel="next" href="{more}">Older stories</a>' if more else ""
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(section.title())} - page {number} | {e(name)}</title></head>\n"
        f'<body><header><a href="http://{host}/">{e(name)}</a><nav><ul>{nav}</ul></nav></header>\n'
        f"<main><h1>{e(section.title())}</h1>\n<ul>\n{items}</ul>\n{nxt}</main>\n"
        f"<footer><p>&copy; {e(name)}</p></footer></body></html>\n"
    ).encode()


def collection_toml(pages: int, seeds: list[tuple[str, str]]) -> str:
    """Every section page a seed; links followed two deep (the product's default), every outlet's
    articles within per_outlet, and min_score 0 so the page score is computed but passes."""
    lines = [
        "# Generated by bench/benchsite.py for `make bench`: do not edit.",
        "[collection]",
        f'name = "{COLLECTION}"',
        f'title = "End-to-end benchmark site, {pages} articles"',
        'operator = "make bench"',
        f'keywords = ["{KEYWORD}"]',
        "",
    ]
    for url, outlet in seeds:
        lines += ["[[seeds]]", f"url = {json.dumps(url)}", f"outlet = {json.dumps(outlet)}", ""]
    lines += ["[links]", "depth = 2", f"per_outlet = {pages + 1000}", "min_score = 0.0", ""]
    return "\n".join(lines)


def _prune(root: Path, keep: Path) -> None:
    """Keep the KEEP_SITES most recently used sites; an N=20000 site is a few hundred MB."""
    sites = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in sites[KEEP_SITES:]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)
