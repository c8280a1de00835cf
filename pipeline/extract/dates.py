"""Publication and update times, timezone-aware, from what the page states.

Sources, in the order they are trusted (the first plausible value wins):

1. JSON-LD of the Article: written by the outlet's CMS for search engines, machine-formatted with
   a UTC offset, and attached to the article itself (not to a related item or the page).
2. OpenGraph and other `<meta>` tags (article:published_time, date, dc.date...): also machine-set,
   but page-level and more often naive or date-only.
3. Microdata (itemprop datePublished / dateModified).
4. `<time datetime>` in the byline area: machine-formatted, but its role (published, updated, a
   comment's time) is only known from its context.
5. Visible byline text ("By Name | December 19, 2014 5:42 p.m. EST"), parsed with dateparser; a
   timezone abbreviation in it is honoured, a time without one is taken as UTC and flagged.
6. A date in the URL (/2014/12/19/): day precision only.
7. htmldate's quick search of the page: a heuristic, so last.

An update time is kept only when the page states one later than the publication time (CMSs copy
datePublished into dateModified). Dates before EARLIEST (or the publisher's foundingDate) or more
than a day after the capture are placeholders or typos: they are dropped, and the fix says so.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml.html import HtmlElement

from pipeline.extract.pagemeta import PageMeta, clean, in_chrome, jsonld_text, marked

UTC = dt.UTC
# No news site published on the web before 1994; earlier dates on a page are CMS placeholders.
EARLIEST = dt.datetime(1994, 1, 1, tzinfo=UTC)
FUTURE_SLACK = dt.timedelta(days=1)

PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
    "article.published",
    "original-publish-date",
    "citation_publication_date",
)
UPDATED_META = (
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "last-modified",
    "lastmod",
    "dcterms.modified",
    "dc.date.modified",
    "article.updated",
)
_UPDATE_WORDS = re.compile(r"updat|modif|revis|correct", re.I)
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
DATE_TEXT = re.compile(
    rf"(?i:\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d\d\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+(?:19|20)\d\d\b|\b(?:19|20)\d\d-\d\d-\d\d\b)"
)
_TIME = re.compile(
    r"\b(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s*(?i:[ap]\.?\s?m\.?)(?=\W|$))?"
    r"(?:\s+(?:[A-Z]{2,4}T|GMT|UTC(?:\s?[+-]\d{1,2}(?::?\d\d)?)?|[+-]\d\d:?\d\d)\b)?"
)
_URL_DATE = re.compile(r"/((?:19|20)\d\d)[/-]?(0[1-9]|1[0-2])[/-]?(0[1-9]|[12]\d|3[01])(?:/|[-_]|$)")
_BYLINE_WORDS = (
    "byline",
    "date",
    "time",
    "stamp",
    "posted",
    "publish",
    "updated",
    "modified",
    "meta",
    "info",
)


@dataclass(frozen=True, slots=True)
class PageDates:
    published: dt.datetime | None
    updated: dt.datetime | None
    source: str | None  # where `published` came from
    fixes: tuple[str, ...] = ()


def parse_machine(value: str | None) -> dt.datetime | None:
    """An ISO 8601 or RFC 2822 timestamp; naive if it states no offset."""
    if not value or not (text := value.strip()):
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return parse_text(text)


def parse_text(text: str) -> dt.datetime | None:
    """A date written for readers, with its time and timezone when given next to it."""
    date = DATE_TEXT.search(text)
    if not date:
        return None
    # the time may come before the date ("at 6:40 p.m. EST on December 19, 2014") or after it
    near = [m for m in _TIME.finditer(text) if m.end() >= date.start() - 40 and m.start() <= date.end() + 40]
    clock = min(near, key=lambda m: abs(m.start() - date.end()), default=None)
    phrase = date.group(0) + (" " + clock.group(0) if clock else "")
    phrase = re.sub(r"(?i)\b([ap])\.?\s?m\.?(?=\W|$)", lambda m: m.group(1).upper() + "M", phrase)
    import dateparser  # slow to import; only pages without machine-readable dates need it

    return dateparser.parse(
        phrase,
        languages=["en"],
        settings={"REQUIRE_PARTS": ["day", "month", "year"], "PREFER_DATES_FROM": "past"},
    )


def _time_role(el: HtmlElement) -> str:
    """'updated' when the element or its close context says so, else 'published'."""
    context = [el.get("itemprop", ""), el.get("class", "")]
    parent = el.getparent()
    for node in (parent, parent.getparent() if parent is not None else None):
        if node is not None:
            context += [node.get("class", ""), node.get("id", "")]
    if parent is not None:
        context.append((parent.text or "")[-40:])
        prev = el.getprevious()
        context.append((prev.tail or "")[-40:] if prev is not None else "")
    return "updated" if _UPDATE_WORDS.search(" ".join(context)) else "published"


def _visible(page: PageMeta) -> Iterator[tuple[str, str]]:
    """(role, text) of each date stated in byline-like elements, in page order."""
    seen = 0
    for el in marked(page, *_BYLINE_WORDS):
        if in_chrome(el):
            continue
        marker = f"{el.get('class', '')} {el.get('id', '')}"
        text = clean(el.text_content())
        if not text or len(text) > 300 or not DATE_TEXT.search(text):
            continue
        start = 0
        for match in DATE_TEXT.finditer(text):
            before = text[start : match.start()]
            role = "updated" if _UPDATE_WORDS.search(before or marker) else "published"
            yield role, text[start : match.end() + 40]
            start = match.end()
        seen += 1
        if seen >= 4:
            return


def _candidates(page: PageMeta) -> Iterator[tuple[str, str, str | None, bool]]:
    """(role, source, value, machine-readable?) from every source, most trusted first."""
    article = page.article
    yield (
        "published",
        "json-ld",
        jsonld_text(article.get("datePublished") or article.get("dateCreated")),
        True,
    )
    yield "updated", "json-ld", jsonld_text(article.get("dateModified")), True
    yield "published", "meta", page.first_meta(*PUBLISHED_META), True
    yield "updated", "meta", page.first_meta(*UPDATED_META), True
    yield "published", "microdata", page.first_micro("datepublished"), True
    yield "updated", "microdata", page.first_micro("datemodified"), True
    for el in page.tree.xpath("descendant::body/descendant::time[@datetime]"):
        if not in_chrome(el):
            yield _time_role(el), "time", el.get("datetime"), True
    for role, text in _visible(page):
        yield role, "byline", text, False
    if match := _URL_DATE.search(page.url):
        yield "published", "url", "-".join(match.groups()), True


def page_dates(page: PageMeta, captured_at: dt.datetime | None = None) -> PageDates:
    """The page's published and updated times (aware), the source of the first, and what was
    dropped or assumed on the way."""
    now = _aware(captured_at) if captured_at else dt.datetime.now(UTC)
    publisher = page.article.get("publisher")
    founded = jsonld_text(publisher.get("foundingDate")) if isinstance(publisher, dict) else None
    year = re.match(r"(1[89]|20)\d\d", founded or "")
    earliest = max(EARLIEST, dt.datetime(int(year.group(0)), 1, 1, tzinfo=UTC)) if year else EARLIEST
    notes: dict[str, list[str]] = {}  # what was dropped or assumed -> the sources that said it
    found: dict[str, tuple[dt.datetime, str]] = {}
    for role, source, value, machine in _candidates(page):
        if role in found or not value:
            continue
        moment = parse_machine(value) if machine else parse_text(value)
        if moment is None:
            continue
        naive = moment.tzinfo is None or moment.utcoffset() is None
        moment = _aware(moment)
        if moment < earliest or moment > now + FUTURE_SLACK:
            why = "in the future" if moment > now else f"before {earliest.year}"
            notes.setdefault(f"{role} date {moment.date().isoformat()} is {why}: ignored", []).append(source)
            continue
        if naive and _has_clock(value):
            notes.setdefault(f"{role} time states no timezone: taken as UTC", []).append(source)
        found[role] = (moment, source)
    if "published" not in found and (fallback := _htmldate(page, earliest, now)):
        found["published"] = (fallback, "htmldate")
    published, source = found.get("published", (None, None))
    updated = found.get("updated", (None, None))[0]
    if updated is not None and (published is None or updated <= published):
        updated = None
    fixes = tuple(f"{note} ({', '.join(dict.fromkeys(sources))})" for note, sources in notes.items())
    return PageDates(published, updated, source, fixes)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None or moment.utcoffset() is None else moment


def _has_clock(value: str) -> bool:
    return bool(re.search(r"\d:\d\d", value))


def _htmldate(page: PageMeta, earliest: dt.datetime, now: dt.datetime) -> dt.datetime | None:
    from htmldate import find_date

    try:
        found = find_date(
            page.tree,
            extensive_search=False,
            original_date=True,
            url=page.url,
            min_date=earliest.date().isoformat(),
            max_date=(now + FUTURE_SLACK).date().isoformat(),
        )
    except Exception:  # htmldate is a heuristic over arbitrary markup: no answer, not a crash
        return None
    return dt.datetime.fromisoformat(found).replace(tzinfo=UTC) if found else None
