"""Helpers shared by the outlet renderers: escaping, dates, link lists, comments."""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta
from html import escape
from typing import TYPE_CHECKING

from ..page import slugify

if TYPE_CHECKING:
    from ..site import Page, Site

__all__ = [
    "esc",
    "slugify",
    "json_ld",
    "long_date",
    "clock",
    "tz_abbr",
    "and_join",
    "host_articles",
    "related",
    "most_read",
    "section_pages",
    "known_sections",
    "comments_for",
    "robots_txt",
    "paragraphs_html",
    "live_stats",
]

MONTHS = (
    "January February March April May June July August September October November December"
).split()
_TZ_NAMES = {-5: "EST", -4: "EDT", -8: "PST", -7: "PDT", -6: "CST", 0: "GMT", 1: "CET", 9: "KST"}


def esc(value: object) -> str:
    return escape(str(value), quote=True)


def json_ld(data: dict) -> str:
    """A JSON-LD script body that cannot close its <script> element early."""
    return json.dumps(data, ensure_ascii=False, indent=2).replace("</", "<\\/")


def long_date(dt: datetime) -> str:
    """``December 19, 2014``."""
    return f"{MONTHS[dt.month - 1]} {dt.day}, {dt.year}"


def clock(dt: datetime, style: str = "ap") -> str:
    """``5:42 p.m.`` (AP style) or ``5:42 PM`` (``style="caps"``)."""
    hour = dt.hour % 12 or 12
    if style == "caps":
        return f"{hour}:{dt.minute:02d} {'AM' if dt.hour < 12 else 'PM'}"
    return f"{hour}:{dt.minute:02d} {'a.m.' if dt.hour < 12 else 'p.m.'}"


def tz_abbr(dt: datetime) -> str:
    offset = dt.utcoffset() or timedelta(0)
    hours = offset.total_seconds() / 3600
    if hours in _TZ_NAMES:
        return _TZ_NAMES[int(hours)]
    sign = "+" if hours >= 0 else "-"
    return f"UTC{sign}{abs(hours):g}"


def and_join(names: tuple[str, ...] | list[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def host_articles(site: Site, host: str) -> list[Page]:
    """The host's articles, newest first (ties broken by URL)."""
    pages = [p for p in site.pages if p.host == host and p.kind == "article"]
    pages.sort(key=lambda p: p.url)
    pages.sort(key=lambda p: p.published, reverse=True)
    return pages


def related(site: Site, page: Page, n: int = 4) -> list[Page]:
    """Other articles of the same host: same topic first, nearest in time."""
    others = [p for p in host_articles(site, page.host) if p.url != page.url]
    others.sort(
        key=lambda p: (
            p.topic != page.topic,
            abs((p.published - page.published).total_seconds()),
            p.url,
        )
    )
    chosen = others[:n]
    if page.volatile and chosen:  # a "recommended" box that reshuffles between crawls
        turn = (page.edition - 1) % len(chosen)
        chosen = chosen[turn:] + chosen[:turn]
    return chosen


def most_read(site: Site, host: str, exclude: str | None = None, n: int = 5) -> list[Page]:
    """A stable, pseudo-popularity ranking of the host's articles."""
    pages = [p for p in host_articles(site, host) if p.url != exclude]
    pages.sort(key=lambda p: (zlib.crc32(p.path.encode()), p.url))
    return pages[:n]


def section_pages(site: Site, host: str, slug: str) -> list[Page]:
    return [p for p in host_articles(site, host) if p.section_slug == slug]


def known_sections(site: Site, host: str, nav: tuple[str, ...] | list[str]) -> dict[str, str]:
    """slug -> name of every nav section plus every section that has content."""
    sections = {slugify(name): name for name in nav}
    for page in host_articles(site, host):
        sections.setdefault(page.section_slug, page.section)
    return sections


# An outlet's listing page: (site, heading, pages, canonical URL, <title>) -> HTML.
Listing = Callable[["Site", str, "list[Page]", str, str], str]


def fronts(
    host: str, name: str, nav: tuple[str, ...], listing: Listing, heading: str, title: str
) -> tuple[Callable[[Site], str], Callable[[Site, str], str | None]]:
    """An outlet's home page (its 20 latest articles under `heading` and `title`) and its section
    pages (None for a section it does not have), each drawn by its `listing`."""
    base = f"http://{host}"

    def render_home(site: Site) -> str:
        return listing(site, heading, host_articles(site, host)[:20], f"{base}/", title)

    def render_section(site: Site, slug: str) -> str | None:
        sections = known_sections(site, host, nav)
        if slug not in sections:
            return None
        section = sections[slug]
        pages = section_pages(site, host, slug)
        return listing(site, section, pages, f"{base}/section/{slug}/", f"{section} | {name}")

    return render_home, render_section


_COMMENTERS = (
    "mlbrennan",
    "Oscar_from_Van_Nuys",
    "KJT1971",
    "quietreader",
    "Renata P.",
    "deltaskies",
    "Hal Whitcomb",
    "sunsetgrid",
    "jojo_m",
    "Priya S",
    "oldnewsguy",
    "Tomas Ferreira",
)
_ON_TOPIC_COMMENTS = (
    "The part about the unreleased films is what gets me. "
    "Somebody had the keys to everything for months.",
    "I work in IT at a mid-sized company and this is the story our whole department is passing "
    "around.",
    "Hard to know who to believe here. I would like to see more of the actual evidence.",
    "Feel terrible for the regular employees whose personal information is out there now.",
    "A comedy nobody had heard of a month ago is now the biggest movie story of the year. "
    "Strange times.",
    "Good reporting. Please keep following up on what happens to the staff.",
    "Every company board in the country should be reading this today.",
)
_OFF_TOPIC_COMMENTS = (
    "Finally some good news on this site.",
    "Been waiting for this for years. About time.",
    "Great write-up, thanks for covering it.",
    "I was there last weekend and it was packed.",
    "Does anyone know if there will be parking nearby?",
    "Nice to read something other than the usual headlines.",
)


def comments_for(page: Page, n: int = 3) -> list[tuple[str, str, str]]:
    """``n`` deterministic reader comments: (name, when, text)."""
    pool = _ON_TOPIC_COMMENTS if page.topic == "on" else _OFF_TOPIC_COMMENTS
    seed = zlib.crc32(page.url.encode())
    out = []
    for i in range(n):
        name = _COMMENTERS[(seed + 5 * i) % len(_COMMENTERS)]
        text = pool[(seed // 7 + 3 * i) % len(pool)]
        if n > 10:  # a long thread: a comment every few minutes, some of them replies
            when = page.published + timedelta(minutes=30 + 2 * i + (seed + i) % 2)
            if i % 3 == 1:
                text = f"@{_COMMENTERS[(seed + 5 * i - 5) % len(_COMMENTERS)]} {text}"
        else:
            when = page.published + timedelta(hours=2 + 3 * i, minutes=(seed + 17 * i) % 60)
        out.append((name, f"{long_date(when)} at {clock(when, 'caps')}", text))
    return out


def robots_txt(host: str) -> str:
    return "User-agent: *\nAllow: /\n"


def live_stats(page: Page) -> str:
    """``Updated 5 minutes ago · 1,204 shares``: counters that change every edition."""
    seed = zlib.crc32(page.url.encode())
    minutes = 2 + (seed + 13 * page.edition) % 57
    shares = 600 + seed % 1400 + 379 * (page.edition - 1) + (seed >> 8) % 97 * page.edition
    return f"Updated {minutes} minutes ago \u00b7 {shares:,} shares"


def paragraphs_html(page: Page, indent: str = "      ", attrs: str = "") -> str:
    """The body paragraphs; a volatile page's live counters come first, inside the body."""
    lines = [f"{indent}<p{attrs}>{esc(p)}</p>" for p in page.paragraphs]
    if page.volatile:
        lines.insert(0, f'{indent}<p class="live-stats">{esc(live_stats(page))}</p>')
    return "\n".join(lines)
