"""Collections: the incident as data. A TOML file names the seeds, keywords and date window."""

from __future__ import annotations

import datetime as dt
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
