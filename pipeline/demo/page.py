"""``Page``: one page of one fixture host, as parsed from its content file (``content/FORMAT.md``).

A page may change between crawls: ``editions`` holds what each edition serves (edition 1 is the
content file's header and body), and ``page.at(n)`` is the page as edition ``n`` shows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

# every page of the fixture web was published before this moment (its "present"): a stated
# publication date after it is in the future
FIXTURE_NOW = datetime(2015, 3, 1, tzinfo=UTC)

KINDS = ("article", "video", "paywall", "index", "empty")
TOPICS = ("on", "off")
VARIANT_KINDS = ("amp", "print", "mobile", "index")


def slugify(name: str) -> str:
    """``"TV & Movies"`` -> ``"tv-movies"``: the slug of a section in ``/section/<slug>/``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def mobile_host(host: str) -> str:
    """``www.pacificcourier.test`` -> ``m.pacificcourier.test``."""
    return "m." + host.removeprefix("www.")


@dataclass(frozen=True, slots=True)
class Edition:
    """What a page serves from edition ``number`` on (until a later edition replaces it)."""

    number: int
    title: str
    paragraphs: tuple[str, ...]
    updated: datetime | None


@dataclass(frozen=True, slots=True)
class Page:
    """One page of one fixture host (``kind`` says which: an article, a video page, ...).

    ``title``, ``paragraphs`` and ``updated`` are those of ``edition`` (1 unless the object
    comes from ``at(n)``); ``title_for(n)`` / ``paragraphs_for(n)`` answer for any edition.
    """

    host: str
    path: str
    url: str
    kind: str
    topic: str
    title: str
    dek: str | None
    authors: tuple[str, ...]
    published: datetime
    updated: datetime | None
    section: str
    tags: tuple[str, ...]
    image_alt: str | None
    image_caption: str | None
    image_credit: str | None
    syndicated_from: str | None
    paragraphs: tuple[str, ...]
    variants: tuple[str, ...] = ()  # of VARIANT_KINDS, in the order of the content file
    volatile: bool = False  # share counts and a rotating related box that change every edition
    scripted: bool = False  # the body is built in the browser: the HTML has it only in JSON-LD
    story: str | None = None  # same label = same story (syndicated copy, light rewrite)
    event: str | None = None  # same label = about the same event (same story or not)
    charset: str | None = None  # "none" or the (wrong) charset the Content-Type declares
    mojibake: bool = False  # the served text is UTF-8 decoded as cp1252 and re-encoded
    comments: int | None = None  # reader comments rendered under the article (default: a few)
    editions: tuple[Edition, ...] = field(default=(), repr=False)  # edition 1 first, ascending
    edition: int = 1

    def text_lines(self, standfirst_shown: bool) -> list[str]:
        """The article's text as the corpus stores it: the standfirst first where the page prints it
        under the headline (``Outlet.prints_standfirst``; print and paywall pages do, AMP and
        mobile pages do not), then the paragraphs."""
        return [self.dek, *self.paragraphs] if standfirst_shown and self.dek else list(self.paragraphs)

    @property
    def last_modified(self) -> datetime:
        return self.updated or self.published

    @property
    def section_slug(self) -> str:
        return slugify(self.section)

    @property
    def text(self) -> str:
        """The body as plain text, one paragraph a line (the paragraphs only, standfirst aside)."""
        return "\n".join(self.paragraphs)

    # editions
    def _edition(self, n: int) -> Edition | None:
        if n < 1:
            raise ValueError(f"editions are numbered from 1, got {n}")
        found = None
        for edition in self.editions:
            if edition.number <= n:
                found = edition
        return found

    def title_for(self, edition: int) -> str:
        """The headline edition ``edition`` serves."""
        found = self._edition(edition)
        return found.title if found else self.title

    def paragraphs_for(self, edition: int) -> tuple[str, ...]:
        """The body paragraphs edition ``edition`` serves."""
        found = self._edition(edition)
        return found.paragraphs if found else self.paragraphs

    def updated_for(self, edition: int) -> datetime | None:
        found = self._edition(edition)
        return found.updated if found else self.updated

    def last_modified_for(self, edition: int) -> datetime:
        return self.updated_for(edition) or self.published

    @property
    def has_real_update(self) -> bool:
        """Whether a later edition changes the headline or the text (volatile noise does not)."""
        if len(self.editions) < 2:
            return False
        first = self.editions[0]
        return any(
            e.title != first.title or e.paragraphs != first.paragraphs for e in self.editions[1:]
        )

    def at(self, edition: int) -> Page:
        """This page as edition ``edition`` serves it."""
        return replace(
            self,
            title=self.title_for(edition),
            paragraphs=self.paragraphs_for(edition),
            updated=self.updated_for(edition),
            edition=edition,
        )

    # URL variants
    def variant_url(self, kind: str) -> str:
        """The URL of this article's ``kind`` variant (whether the page has it or not)."""
        if kind == "amp":
            if self.path.endswith("/"):
                return f"{self.url}amp/"
            return f"{self.url}?outputType=amp"
        if kind == "print":
            return f"{self.url}?print=1"
        if kind == "mobile":
            return f"http://{mobile_host(self.host)}{self.path}"
        if kind == "index":
            if not self.path.endswith("/"):
                raise ValueError(f"{self.url}: an index.html variant needs a path ending in '/'")
            return f"{self.url}index.html"
        raise ValueError(f"unknown variant kind {kind!r}")

    @property
    def variant_urls(self) -> tuple[str, ...]:
        """Every other URL serving this article (AMP, print, mobile, index.html)."""
        return tuple(self.variant_url(kind) for kind in self.variants)
