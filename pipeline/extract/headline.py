"""The headline of a page, chosen among the texts that could be it: the visible headings (h1-h6
and elements whose class says headline or title), the titles the page declares (JSON-LD,
Dublin Core, OpenGraph...) and the parts of its `<title>`.

A `<title>` mixes the headline with the outlet, the section and a tagline, in any order, and on
many older sites it names only the site. So the headline is, in this order: the visible heading
that the declared titles or the `<title>` name (the longest, when they name the blog or section
too); a heading the `<title>` holds whole; the declared headline; the part of the `<title>` that
is not the outlet's name or tagline; else the heading printed just above the body text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree
from lxml.html import HtmlElement

from pipeline.extract.bylines import wire_agency
from pipeline.extract.pagemeta import PageMeta, clean, in_chrome, jsonld_text

TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|»|«|·|~|/|>|:)\s+|\s*_\s*|(?<=\w)[-–—]\s+|\s+--\s+")
# "(14/01/2008)", "(from Harrow Times)" after a headline in <title>
TITLE_TAIL = re.compile(r"\s*\((?:[\d/.\s-]+|from [^)]*)\)\s*$", re.I)
# Declared titles, most specific first: Dublin Core names the document, OpenGraph and Twitter
# titles are written for sharing and more often carry a teaser or the site's name.
DECLARED_META = (
    "dc:title",
    "dcterms:title",
    "dc.title",
    "dcterms.title",
    "og:title",
    "twitter:title",
    "parsely-title",
    "sailthru.title",
)
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# class, id or tag words of an element holding a headline ("arttitle", "storyHeadline", "c-hed")
MARKED = re.compile(r"headline|title|heading|(?<![a-z])hed(?![a-z])|storyhead")
SUBORDINATE = re.compile(r"sub-?(?:title|head|hed)|(?<![a-z])(?:dek|deck|kicker)(?![a-z])")
# How strongly each kind of element says "headline" when only its place on the page speaks for it.
RANK = {"h1": 0, "headline": 0, "h2": 1, "title": 1, "h3": 2}
# The headline sits close above the body: at most this many characters (spaces aside) between.
NEAR = 600
PROBE = 40
NO_TEXT = ("script", "style", "noscript", "template")
SECOND_LEVEL = {"co", "com", "net", "org", "gov", "ac", "edu", "ne", "or"}
DOMAIN = re.compile(r"\b([a-z0-9-]+)\.(?:com|net|org|co\.[a-z]{2}|[a-z]{2})\b")
# A <title> part that shares at most this share of its words with the article is the site's
# tagline ("Summit Daily News for Breckenridge, Keystone..."), when a heading above the body
# shares at least TOPICAL of its own.
TAGLINE, TOPICAL = 0.2, 0.5


@dataclass(slots=True, eq=False)
class Candidate:
    el: HtmlElement
    text: str
    key: str
    rank: int


def comparable(text: str) -> str:
    """Words only: a `<title>` often drops the quotes and dashes its headline prints."""
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(re.sub(r"[\W_]+", " ", re.sub("['\u2018\u2019`\u00b4]", "", text)).split())


def _site_label(hostname: str) -> str:
    """The name part of a host: "starpulse" for www.starpulse.com, "smh" for www.smh.com.au."""
    labels = hostname.lower().split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in SECOND_LEVEL:
        return labels[-3]
    return labels[-2] if len(labels) >= 2 else ""


def names_outlet(name: str, url: str) -> bool:
    """True when `name` is the site ("Computerworld" on www.computerworld.com, "The Telegraph" on
    telegraphindia.com, "Starpulse Entertainment News Blog" on starpulse.com), names its domain
    ("timesleader.com - ...") or is a wire agency."""
    hostname = urlsplit(url).hostname or ""
    host = re.sub(r"[^a-z0-9]", "", hostname.lower())
    words = re.sub(r"^the\s+", "", name.lower()).split()
    key = re.sub(r"[^a-z0-9]", "", "".join(words))
    if (len(key) >= 3 and key in host) or wire_agency(name) is not None:
        return True
    # the site's name and a few words more: a tagline, where a headline would say more
    label = _site_label(hostname)
    for n in range(1, min(3, len(words)) + 1):
        if len(label) >= 3 and re.sub(r"[^a-z0-9]", "", "".join(words[:n])) == label and len(words) - n <= 3:
            return True
    domains = (re.sub(r"[^a-z0-9]", "", d) for d in DOMAIN.findall(name.lower()))
    return any(len(d) >= 3 and d in host for d in domains)


def title_parts(html_title: str, url: str) -> list[str]:
    """The pieces of a `<title>` ("Outlet: Headline - Section | Site") that could be the headline."""
    parts = []
    for part in TITLE_SEPARATORS.split(html_title):
        part = TITLE_TAIL.sub("", part or "").strip()
        prefix, colon, rest = part.partition(": ")
        if colon and len(rest.split()) >= 3 and names_outlet(prefix, url):
            part = rest  # "AFP: Headline", "Computerworld: Headline" (but "Algeria: Headline" stays)
        if len(part.split()) >= 2:
            parts.append(part)
    return parts


def declared_titles(page: PageMeta) -> list[str]:
    found = [
        jsonld_text(page.article.get("headline")),
        *(page.first_meta(key) for key in DECLARED_META),
        page.first_micro("headline"),
    ]
    return list(dict.fromkeys(title for title in found if title))


def _rank(el: HtmlElement) -> int | None:
    """How the element marks itself as a headline (lower is stronger), None when it does not."""
    tag = el.tag
    if tag in HEADINGS:
        return RANK.get(tag, 3)
    marker = f"{tag if tag != 'title' else ''} {el.get('class', '')} {el.get('id', '')}".lower()
    if not (found := MARKED.search(marker)) or SUBORDINATE.search(marker):
        return None
    if next(el.iter(*HEADINGS), None) is not None:
        return None  # a wrapper: the heading inside it is the candidate
    return RANK["headline" if "head" in found.group(0) else "title"]


def candidates(page: PageMeta) -> list[Candidate]:
    """Visible headings and elements marked as headlines, outside page furniture, in page order."""
    body = page.tree.find("body")
    found = []
    for el in body.iter() if body is not None else ():
        if not isinstance(el.tag, str) or (rank := _rank(el)) is None:
            continue
        text = clean(el.text_content()).rstrip("¶#§ ")  # documentation pages end headings with ¶
        if 2 < len(text) < 300 and len(text.split()) <= 40 and not in_chrome(el):
            found.append(Candidate(el, text, comparable(text), rank))
    return found


def _above_body(page: PageMeta, found: list[Candidate], body: Sequence[str]) -> Candidate | None:
    """The strongest candidate printed just above the body text's first paragraphs."""
    root = page.tree.find("body")
    # the first paragraphs, spaces aside (so that scripts written without spaces count too)
    flat_lines = ("".join(line.split()).lower() for line in body[:8])
    probes = [line[:PROBE] for line in flat_lines if len(line) >= 60][:3]
    if root is None or not probes or not found:
        return None
    wanted = {c.el: c for c in found}
    spans: dict[Candidate, tuple[int, int]] = {}
    starts: dict[HtmlElement, int] = {}
    chunks: list[str] = []
    size = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            starts[el] = size
            text = el.text if isinstance(el.tag, str) and el.tag not in NO_TEXT else None
        else:
            if el in wanted:
                spans[wanted[el]] = (starts[el], size)
            text = el.tail
        if text and (text := "".join(text.split()).lower()):
            chunks.append(text)
            size += len(text)
    flat = "".join(chunks)
    positions = [at for probe in probes if (at := flat.find(probe)) >= 0]
    if not positions:
        return None
    start = min(positions)
    # (the body's first line may begin with the headline itself)
    near = [c for c, (begin, end) in spans.items() if begin <= start and start - end <= NEAR]
    return min(near, key=lambda c: (c.rank, -spans[c][0]), default=None)


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"\w+", text.lower()) if len(w) >= 4]


def _share(text: str, words: set[str]) -> float:
    """The share of the text's words (of four letters or more) that are among `words`."""
    own = _words(text)
    return sum(w in words for w in own) / len(own) if own else 0.0


def _is_outlet(key: str, outlet_keys: set[str], url: str, text: str) -> bool:
    return key in outlet_keys or names_outlet(text, url)


def title(page: PageMeta, body: Sequence[str] = ()) -> str | None:
    """The headline as readers see it (see the module's docstring for the order); `body` is the
    article's text lines, which tell where the article starts on the page."""
    declared = declared_titles(page)
    html_title = clean(page.tree.findtext(".//title") or "")
    parts = title_parts(html_title, page.url)
    site = page.first_meta("og:site_name", "application-name")
    outlets = {comparable(site)} if site else set()
    found = [c for c in candidates(page) if not _is_outlet(c.key, outlets, page.url, c.text)]
    wanted = {comparable(t) for t in [*declared, *parts, html_title] if t}
    # several headings named by the <title> (blog, section, headline): the headline says most
    if named := [c for c in found if c.key in wanted]:
        return max(named, key=lambda c: len(c.key)).text
    # a heading the <title> holds whole, around an outlet or section name the split missed
    contained = [
        c
        for c in found
        if len(c.key.split()) >= 3
        and any(w.startswith(c.key + " ") or w.endswith(" " + c.key) for w in wanted)
    ]
    if contained:
        return max(contained, key=lambda c: len(c.key)).text
    if declared:
        return declared[0]
    # a <title> that names only the site says nothing of the article: then the heading above it
    own = [p for p in parts if not _is_outlet(comparable(p), outlets, page.url, p)]
    above = _above_body(page, [c for c in found if not c.text.endswith(":")], body)
    if own:
        part = max(own, key=len)
        if above is None or len(above.key.split()) < 3:
            return part
        words = {w for line in body for w in _words(line)}
        if _share(part, words) <= TAGLINE and _share(above.text, words) >= TOPICAL:
            return above.text
        return part
    if above is not None:
        return above.text
    if parts:
        return max(parts, key=len)
    return html_title or next((c.text for c in found if c.el.tag == "h1"), None)
