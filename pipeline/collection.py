"""Collections: the incident as data. A TOML file names the seeds, keywords and date window."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

COLLECTIONS_DIR = Path(__file__).resolve().parent.parent / "collections"
DEFAULT_COLLECTION = "sony-hack-2014"


class CollectionError(ValueError):
    """A collection file is missing or malformed; the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class Seed:
    url: str
    outlet: str | None = None
    published: dt.date | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class RecrawlPolicy:
    """How often to fetch a known article again: recent ones often, old ones rarely."""

    recent_days: int = 14
    recent_every_hours: float = 6
    old_every_days: float = 30

    def due(self, last_fetched: dt.datetime, published: dt.datetime | None, now: dt.datetime) -> bool:
        age_reference = published or last_fetched
        if now - age_reference <= dt.timedelta(days=self.recent_days):
            interval = dt.timedelta(hours=self.recent_every_hours)
        else:
            interval = dt.timedelta(days=self.old_every_days)
        return now - last_fetched >= interval


@dataclass(frozen=True, slots=True)
class SitemapSource:
    """A sitemap, sitemap index, news sitemap, or a robots.txt whose Sitemap: lines name them."""

    url: str


@dataclass(frozen=True, slots=True)
class FeedSource:
    """An RSS or Atom feed."""

    url: str


@dataclass(frozen=True, slots=True)
class ReferenceSource:
    """A page whose citations are coverage (e.g. the Wikipedia article on the incident)."""

    url: str


@dataclass(frozen=True, slots=True)
class ArchiveSource:
    """A Wayback-style CDX API and the URL patterns to ask it for (captures in the window)."""

    cdx: str
    patterns: tuple[str, ...]
    limit: int = 1000  # URLs per pattern (one CDX row per URL)


@dataclass(frozen=True, slots=True)
class CommonCrawlSource:
    """A Common Crawl index server, its crawls, and the data host the WARC records come from."""

    index: str
    data: str
    patterns: tuple[str, ...]
    crawls: tuple[str, ...]
    limit: int = 1000  # records per pattern and crawl


@dataclass(frozen=True, slots=True)
class LinkPolicy:
    """Focused link following: how deep from a discovered page, how many pages per outlet, and the
    relevance score a link (anchor + URL) and a page (keyword density) need."""

    depth: int = 2
    per_outlet: int = 200
    min_score: float = 1.0


@dataclass(frozen=True, slots=True)
class Event:
    """A key date of the incident, drawn as a marker on the report's time charts."""

    date: dt.date
    label: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Collection:
    name: str
    title: str
    path: Path
    description: str = ""
    operator: str = ""
    contact: str = ""
    window_start: dt.date | None = None
    window_end: dt.date | None = None
    keywords: tuple[str, ...] = ()
    seeds: tuple[Seed, ...] = ()
    recrawl: RecrawlPolicy | None = None  # None: every known URL is fetched again each run
    # Discovery sources beyond the seeds (spiders/collection.py runs them).
    sitemaps: tuple[SitemapSource, ...] = ()
    feeds: tuple[FeedSource, ...] = ()
    references: tuple[ReferenceSource, ...] = ()
    archives: tuple[ArchiveSource, ...] = ()
    commoncrawl: tuple[CommonCrawlSource, ...] = ()
    links: LinkPolicy | None = None  # None: no focused link following
    events: tuple[Event, ...] = ()  # key dates, in date order


def resolve_path(name_or_path: str | Path) -> Path:
    """A bare name means `collections/<name>.toml`; anything with a slash or suffix is a path."""
    text = str(name_or_path)
    if "/" in text or text.endswith(".toml"):
        return Path(text)
    return COLLECTIONS_DIR / f"{text}.toml"


def load_collection(name_or_path: str | Path = DEFAULT_COLLECTION) -> Collection:
    path = resolve_path(name_or_path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        available = ", ".join(sorted(p.stem for p in COLLECTIONS_DIR.glob("*.toml")))
        raise CollectionError(
            f"{path}: collection file not found (available: {available or 'none'})"
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CollectionError(f"{path}: not valid TOML: {exc}") from None
    return _parse(raw, path)


def _parse(raw: dict, path: Path) -> Collection:
    def fail(problem: str) -> CollectionError:
        return CollectionError(f"{path}: {problem}")

    meta = raw.get("collection")
    if not isinstance(meta, dict):
        raise fail("missing the [collection] table")
    for key in ("name", "title"):
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            raise fail(f"[collection] needs a non-empty string '{key}'")
    window = meta.get("window", {})
    if not isinstance(window, dict):
        raise fail("[collection] window must be a table like { start = 2014-11-24, end = 2015-02-28 }")
    start, end = window.get("start"), window.get("end")
    for label, value in (("start", start), ("end", end)):
        if value is not None and not isinstance(value, dt.date):
            raise fail(f"window.{label} must be a TOML date (YYYY-MM-DD), got {value!r}")
    if start and end and start > end:
        raise fail(f"window starts ({start}) after it ends ({end})")
    keywords = meta.get("keywords", [])
    if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
        raise fail("[collection] keywords must be a list of strings")

    seeds_raw = raw.get("seeds", [])
    if not isinstance(seeds_raw, list):
        raise fail("seeds must be an array of tables ([[seeds]])")
    seeds = tuple(_parse_seed(entry, number, fail) for number, entry in enumerate(seeds_raw, 1))
    recrawl = _parse_recrawl(raw.get("recrawl"), fail)
    sources = _parse_sources(raw, fail)
    events = _parse_events(raw.get("events", []), fail)
    return Collection(
        name=meta["name"].strip(),
        title=meta["title"].strip(),
        path=path,
        description=str(meta.get("description", "")).strip(),
        operator=str(meta.get("operator", "")).strip(),
        contact=str(meta.get("contact", "")).strip(),
        window_start=start,
        window_end=end,
        keywords=tuple(keywords),
        seeds=seeds,
        recrawl=recrawl,
        events=events,
        **sources,
    )


def _parse_recrawl(table: object, fail) -> RecrawlPolicy | None:
    if table is None:
        return None
    if not isinstance(table, dict):
        raise fail("[recrawl] must be a table")
    unknown = set(table) - {"recent_days", "recent_every_hours", "old_every_days"}
    if unknown:
        raise fail(f"[recrawl] has unknown keys: {', '.join(sorted(unknown))}")
    for key, value in table.items():
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise fail(f"[recrawl] {key} must be a number >= 0, got {value!r}")
    return RecrawlPolicy(**table)


def _parse_events(entries: object, fail) -> tuple[Event, ...]:
    if not isinstance(entries, list):
        raise fail("events must be an array of tables ([[events]])")
    events = []
    for number, entry in enumerate(entries, 1):
        where = f"[[events]] #{number}"
        if not isinstance(entry, dict):
            raise fail(f"{where} must be a table with a 'date' and a 'label'")
        unknown = set(entry) - {"date", "label", "url"}
        if unknown:
            raise fail(f"{where} has unknown keys: {', '.join(sorted(unknown))}")
        date, label, url = entry.get("date"), entry.get("label"), entry.get("url")
        # A TOML date-time is a datetime, itself a date subclass: a key date is a day.
        if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
            raise fail(f"{where} needs 'date' as a TOML date (YYYY-MM-DD), got {date!r}")
        if not isinstance(label, str) or not label.strip():
            raise fail(f"{where} needs a non-empty string 'label'")
        if url is not None:
            _source_value(url, "url", f"{where} url", fail)
        events.append(Event(date=date, label=label.strip(), url=url))
    return tuple(sorted(events, key=lambda e: e.date))


def _parse_seed(entry: object, number: int, fail) -> Seed:
    if not isinstance(entry, dict):
        raise fail(f"seed #{number} must be a table with a 'url'")
    url = entry.get("url")
    if not isinstance(url, str):
        raise fail(f"seed #{number} has no 'url' string")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise fail(f"seed #{number}: {url!r} is not an absolute http(s) URL")
    published = entry.get("published")
    if published is not None and not isinstance(published, dt.date):
        raise fail(f"seed #{number}: published must be a TOML date, got {published!r}")
    return Seed(url=url, outlet=entry.get("outlet"), published=published, title=entry.get("title"))


_SOURCES = {  # table: (class, {key: (type, required)})
    "sitemaps": (SitemapSource, {"url": ("url", True)}),
    "feeds": (FeedSource, {"url": ("url", True)}),
    "references": (ReferenceSource, {"url": ("url", True)}),
    "archives": (
        ArchiveSource,
        {"cdx": ("url", True), "patterns": ("patterns", True), "limit": ("count", False)},
    ),
    "commoncrawl": (
        CommonCrawlSource,
        {
            "index": ("url", True),
            "data": ("url", True),
            "patterns": ("patterns", True),
            "crawls": ("crawls", True),
            "limit": ("count", False),
        },
    ),
}


def _parse_sources(raw: dict, fail) -> dict:
    """The discovery tables ([[sitemaps]], [[feeds]], [[references]], [[archives]], [[commoncrawl]],
    [links]), each checked with the same one-line errors as the seeds."""
    found: dict = {}
    for table, (cls, keys) in _SOURCES.items():
        entries = raw.get(table, [])
        if not isinstance(entries, list):
            raise fail(f"{table} must be an array of tables ([[{table}]])")
        parsed = []
        for number, entry in enumerate(entries, 1):
            where = f"[[{table}]] #{number}"
            if not isinstance(entry, dict):
                raise fail(f"{where} must be a table")
            unknown = set(entry) - set(keys)
            if unknown:
                raise fail(f"{where} has unknown keys: {', '.join(sorted(unknown))}")
            values = {}
            for key, (kind, required) in keys.items():
                if key not in entry:
                    if required:
                        raise fail(f"{where} needs '{key}'")
                    continue
                values[key] = _source_value(entry[key], kind, f"{where} {key}", fail)
            parsed.append(cls(**values))
        found[table] = tuple(parsed)
    found["links"] = _parse_links(raw.get("links"), fail)
    return found


def _source_value(value: object, kind: str, where: str, fail):
    if kind == "url":
        parts = urlsplit(value) if isinstance(value, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise fail(f"{where}: {value!r} is not an absolute http(s) URL")
        return value
    if kind == "count":
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise fail(f"{where} must be a whole number >= 1, got {value!r}")
        return value
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise fail(f"{where} must be a non-empty list of strings, got {value!r}")
    for item in value:
        if kind == "patterns" and (item != item.strip() or " " in item):
            raise fail(f"{where}: {item!r} is not a URL pattern like 'www.example.com/2014/*'")
        if kind == "crawls" and not re.fullmatch(r"CC-MAIN-\d{4}-\d{2}", item):
            raise fail(f"{where}: {item!r} is not a crawl name like 'CC-MAIN-2014-52'")
    return tuple(value)


def _parse_links(table: object, fail) -> LinkPolicy | None:
    if table is None:
        return None
    if not isinstance(table, dict):
        raise fail("[links] must be a table like { depth = 2, per_outlet = 200, min_score = 1.0 }")
    unknown = set(table) - {"depth", "per_outlet", "min_score"}
    if unknown:
        raise fail(f"[links] has unknown keys: {', '.join(sorted(unknown))}")
    for key, value in table.items():
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise fail(f"[links] {key} must be a number >= 0, got {value!r}")
        if key != "min_score" and not isinstance(value, int):
            raise fail(f"[links] {key} must be a whole number, got {value!r}")
    return LinkPolicy(**table)
