"""Authors as a clean list of people's names.

A byline mixes names with everything else: "By", roles ("Staff Writer"), desks ("Tribune Staff"),
wire agencies ("Associated Press"), the outlet itself and the date. Only names go in the corpus;
the agencies and roles are a data table, `data/bylines.toml`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from pipeline.extract.pagemeta import PageMeta, clean, in_chrome, jsonld_types, marked

TABLE = Path(__file__).resolve().parent / "data" / "bylines.toml"
PERSON_TYPES = {"person"}
AUTHOR_META = (
    "author",
    "byl",
    "article:author",
    "og:article:author",
    "dc.creator",
    "dcterms.creator",
    "sailthru.author",
    "parsely-author",
    "citation_author",
)
_PREFIX = re.compile(
    r"^(?:(?:written|posted|reported|reporting|story|words|text|compiled|edited)\s+)?(?:by|from)\s*:?\s+",
    re.I,
)
_SPLIT = re.compile(r"\s*[;,|]\s*|\s+(?:and|&|with)\s+")
_PARTICLES = {
    "de",
    "da",
    "di",
    "du",
    "del",
    "della",
    "van",
    "von",
    "der",
    "den",
    "la",
    "le",
    "bin",
    "al",
    "el",
    "ibn",
}
_SUFFIX = re.compile(r"^(?:jr|sr|ii|iii|iv|phd|md)\.?$", re.I)
# where a byline's date or time begins: everything from there on is not a name
_DATE_START = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d|\d|\b(?:updated|published|posted)\b",
    re.I,
)


@cache
def _table() -> tuple[dict[str, str], frozenset[str]]:
    """Agency spellings (lowercased) -> display name, and role words."""
    data = tomllib.loads(TABLE.read_text(encoding="utf-8"))
    agencies: dict[str, str] = {}
    for name, aliases in data["agencies"].items():
        for spelling in (name, *aliases):
            agencies[spelling.lower()] = name
    return agencies, frozenset(data["roles"])


def wire_agency(text: str) -> str | None:
    """The agency a byline part names ("the Associated Press" -> "Associated Press"), or None."""
    agencies, _ = _table()
    key = clean(text).lower().removeprefix("the ").strip(" .")
    return agencies.get(key) or agencies.get(f"the {key}")


def _name_like(word: str) -> bool:
    """A word of a person's name: capitalized (or from an uncased script), or a particle."""
    return (word[0].isalpha() and not word[0].islower()) or word.lower() in _PARTICLES


def _strip_roles(words: list[str], roles: frozenset[str]) -> list[str]:
    """Drop trailing role words ("Staff Writer") and the agency or desk before them."""
    while words and words[-1].lower().strip(".,") in roles:
        words = words[:-1]
        while words and words[-1].lower() in ("senior", "chief", "contributing", "staff", "special", "news"):
            words = words[:-1]
    return words


def clean_names(raw: Iterable[str], outlet: str | None = None) -> list[str]:
    """Names only: no "By", roles, desks, agencies, the outlet, dates, handles or links."""
    _, roles = _table()
    outlet_key = (outlet or "").lower().removeprefix("the ")
    names: list[str] = []
    for value in raw:
        value = clean(value or "")
        # the date or dateline that follows a byline, often after a separator, is not part of it
        value = _PREFIX.sub("", re.split(r"\s+[|•·–—]\s+", value)[0])
        if cut := _DATE_START.search(value):
            value = value[: cut.start()]
        for part in _SPLIT.split(value):
            part = _PREFIX.sub("", part.strip(" ,:;-"))
            if not part:
                continue
            if _SUFFIX.match(part) and names:
                names[-1] = f"{names[-1]} {part}"
                continue
            if "@" in part or "/" in part or wire_agency(part):
                continue
            words = part.split()
            kept = _strip_roles(words, roles)
            if len(kept) < len(words) and len(kept) < 2:
                continue  # "Tribune Staff", "Associated Press Writer": a desk, not a person
            name = " ".join(kept)
            if len(name) < 2 or wire_agency(name) or len(kept) > 5 or not all(map(_name_like, kept)):
                continue
            if outlet_key and name.lower().removeprefix("the ") == outlet_key:
                continue
            if name.isupper() and len(name) > 3:
                name = name.title()  # "By JOHN DOE" in wire copy
            if name not in names:
                names.append(name)
    return names


def _jsonld_people(page: PageMeta) -> list[str] | None:
    authors = page.article.get("author")
    if authors is None:
        return None
    people = []
    for author in authors if isinstance(authors, list) else [authors]:
        if isinstance(author, str):
            people.append(author)
        elif isinstance(author, dict) and (not author.get("@type") or jsonld_types(author) & PERSON_TYPES):
            if isinstance(author.get("name"), str):
                people.append(author["name"])
    return people


def _visible_byline(page: PageMeta) -> list[str]:
    """The names linked with rel=author, else the text of the first byline-like element, outside
    comments and sidebars."""
    authors = page.tree.xpath('descendant::body/descendant::*[@rel="author"]')
    linked = [clean(a.text_content()) for a in authors if not in_chrome(a)]
    if linked := [name for name in linked if name and len(name) <= 100]:
        return linked
    for el in marked(page, "byline", "author"):
        text = clean(el.text_content())
        if text and len(text) <= 200 and not in_chrome(el):
            return [text]
    return []


def _typed_people(page: PageMeta) -> list[str]:
    """Authors the page types as persons (JSON-LD Person, microdata schema.org/Person)."""
    authors = page.article.get("author")
    people = [
        a["name"]
        for a in (authors if isinstance(authors, list) else [authors])
        if isinstance(a, dict) and jsonld_types(a) & PERSON_TYPES and isinstance(a.get("name"), str)
    ]
    for el in page.tree.xpath('descendant::body/descendant::*[@itemprop and @itemscope]'):
        if "author" in el.get("itemprop", "").split() and "person" in el.get("itemtype", "").lower():
            names = el.xpath('descendant::*[@itemprop="name"]')
            people.append((names[0] if names else el).text_content())
    return people


def page_authors(page: PageMeta, outlet: str | None = None) -> list[str]:
    """The first source that yields names: JSON-LD, microdata, meta tags, the visible byline.
    A person the page types as its author stays, even when the site bears their name."""
    micro = page.microdata.get("author")
    meta = next(([v] for key in AUTHOR_META for v in page.meta.get(key, ()) if v.strip()), None)
    for source in (_jsonld_people(page), micro, meta):
        if source is not None and (names := clean_names(source, outlet)):
            return names
    return clean_names(_visible_byline(page), outlet) or clean_names(_typed_people(page))
