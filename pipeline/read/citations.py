"""One citation for one corpus row, as text (Chicago style, 17th edition, bibliography entry for an
online news article), BibTeX (biblatex @online) and CSL-JSON (type article-newspaper).

A page taken from a web archive (Wayback, Common Crawl) is cited by its original URL, with the
archive's URL and capture time beside it: the reader can open what we read, and knows when the
archive saw it. The access date is when we fetched the page (from the site or from the archive).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

# The columns a citation needs, from the versions view joined to the capture (captures.url is the
# archive's address for a page taken from an archive).
CITE_SQL = """
SELECT v.{key}, v.outlet, v.authors, v.title, v.published_at, v.canonical_url, v.captured_at,
       c.url AS captured_url, c.archived_at, v.warc_record_id, v.article_id, v.version_id
FROM versions v JOIN captures c ON c.id = v.capture_id
WHERE {where} AND v.{key} = ANY(%s)
"""
WAYBACK = re.compile(r"^https?://(web\.)?archive\.org/|/web/\d{4,14}")


@dataclass(frozen=True, slots=True)
class Source:
    """What a citation of one article version says."""

    outlet: str | None
    authors: list[str]
    title: str | None
    published_at: dt.datetime | None
    url: str
    accessed_at: dt.datetime | None
    archive_url: str | None = None
    archived_at: dt.datetime | None = None
    record_id: str | None = None
    article_id: int | None = None
    version_id: int | None = None

    @classmethod
    def from_row(cls, outlet, authors, title, published_at, url, accessed_at, captured_url,
                 archived_at, record_id=None, article_id=None, version_id=None) -> Source:
        archived = archived_at is not None or (captured_url and captured_url != url and WAYBACK.search(captured_url))
        return cls(outlet, list(authors or []), title, published_at, url, accessed_at,
                   captured_url if archived else None, archived_at, record_id, article_id, version_id)

    @property
    def archive_name(self) -> str | None:
        if not self.archive_url:
            return None
        return "Internet Archive Wayback Machine" if WAYBACK.search(self.archive_url) else "Common Crawl"

    @property
    def key(self) -> str:
        return f"article{self.article_id}" + (f"v{self.version_id}" if self.version_id else "")


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.astimezone(dt.UTC).date() if value else None


def _long(day: dt.date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def _names(authors: list[str]) -> str:
    if len(authors) <= 2:
        return " and ".join(authors)
    return ", ".join(authors[:-1]) + ", and " + authors[-1]


def text(s: Source) -> str:
    """Chicago (17th ed.) bibliography entry: Authors. "Title." Outlet, Date. URL. Archived ... Accessed ..."""
    parts = []
    if s.authors:
        parts.append(_names(s.authors).rstrip(".") + ".")
    parts.append(f"\u201c{(s.title or 'Untitled').rstrip('.')}.\u201d")
    published = _day(s.published_at)
    parts.append(f"{s.outlet or 'Unknown outlet'}" + (f", {_long(published)}." if published else ", n.d."))
    parts.append(f"{s.url}.")
    if s.archive_url:
        when = f" (captured {_long(_day(s.archived_at))})" if s.archived_at else ""
        parts.append(f"Archived by {s.archive_name}{when} at {s.archive_url}.")
    if s.accessed_at:
        parts.append(f"Accessed {_long(_day(s.accessed_at))}.")
    return " ".join(parts)


_LATEX = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&", "$": r"\$",
          "#": r"\#", "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}"}


def latex(value: str) -> str:
    """Text as a BibTeX field value: LaTeX's special characters escaped, braces balanced."""
    return "".join(_LATEX.get(ch, ch) for ch in " ".join(value.split()))


def _bib_url(url: str) -> str:
    # url fields are read verbatim by biblatex; only braces (and spaces) would break the entry
    return url.replace("{", "%7B").replace("}", "%7D").replace(" ", "%20")


def _bib_author(name: str) -> str:
    words = name.split()
    if len(words) < 2 or not all(w[:1].isalpha() for w in words):
        return "{" + latex(name) + "}"  # an organisation or a one-word byline: keep it whole
    return latex(name)


def bibtex(s: Source) -> str:
    """A biblatex @online entry (urldate = access date; the archive in eprint/note)."""
    fields = []
    if s.authors:
        fields.append(("author", " and ".join(_bib_author(a) for a in s.authors)))
    fields.append(("title", "{" + latex(s.title or "Untitled") + "}"))
    if s.outlet:
        fields.append(("journaltitle", latex(s.outlet)))
        fields.append(("organization", latex(s.outlet)))
    if published := _day(s.published_at):
        fields += [("date", published.isoformat()), ("year", str(published.year))]
    fields.append(("url", _bib_url(s.url)))
    if accessed := _day(s.accessed_at):
        fields.append(("urldate", accessed.isoformat()))
    if s.archive_url:
        when = f" on {_day(s.archived_at).isoformat()}" if s.archived_at else ""
        fields.append(("note", f"Archived by {latex(s.archive_name)}{when}: \\url{{{_bib_url(s.archive_url)}}}"))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@online{{{s.key},\n{body}\n}}\n"


def _parts(value: dt.datetime | None) -> dict | None:
    day = _day(value)
    return {"date-parts": [[day.year, day.month, day.day]]} if day else None


def _csl_author(name: str) -> dict:
    words = name.split()
    if len(words) < 2 or not all(w[:1].isalpha() for w in words):
        return {"literal": name}
    return {"family": words[-1], "given": " ".join(words[:-1])}


def csl(s: Source) -> dict:
    """A CSL-JSON item: archive = the web archive's name, archive_location = the capture's URL."""
    item = {"id": s.key, "type": "article-newspaper", "title": s.title or "Untitled", "URL": s.url}
    if s.outlet:
        item["container-title"] = s.outlet
    if s.authors:
        item["author"] = [_csl_author(a) for a in s.authors]
    if issued := _parts(s.published_at):
        item["issued"] = issued
    if accessed := _parts(s.accessed_at):
        item["accessed"] = accessed
    if s.archive_url:
        item["archive"] = s.archive_name
        item["archive_location"] = s.archive_url
        if s.archived_at:
            item["note"] = f"Archived {s.archived_at.astimezone(dt.UTC).isoformat().replace('+00:00', 'Z')}"
    return item
