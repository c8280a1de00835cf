"""The fixture web's content: every ``content/<host>/*.txt`` parsed into frozen ``Page`` objects.

The format is described in ``content/FORMAT.md``; ``Page`` is in ``page.py``, the parser in
``parse.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from itertools import combinations
from pathlib import Path
from typing import NamedTuple

from .outlets import OUTLETS
from .page import FIXTURE_NOW, KINDS, TOPICS, VARIANT_KINDS, Edition, Page, mobile_host, slugify
from .parse import OPTIONAL_KEYS, REQUIRED_KEYS, parse_page

CONTENT_DIR = Path(__file__).resolve().parent / "content"
HUGE_COMMENTS = 1000  # an article with at least this many comments is a "huge" page

__all__ = [
    "CONTENT_DIR",
    "FIXTURE_NOW",
    "KINDS",
    "OPTIONAL_KEYS",
    "REQUIRED_KEYS",
    "TOPICS",
    "VARIANT_KINDS",
    "BadPage",
    "Edition",
    "OutletPages",
    "Page",
    "Site",
    "load_site",
    "mobile_host",
    "parse_page",
    "slugify",
]


class BadPage(NamedTuple):
    """What is wrong with a bad-input page and what a good pipeline does with it.

    ``expect`` is ``"article"`` (it is an article: store it, handled as ``handling`` says),
    ``"teaser"`` (a story the outlet published behind a paywall: a corpus row flagged
    ``access = 'teaser'``) or ``"skip"`` (no corpus row).
    """

    problem: str
    expect: str
    handling: str


@dataclass(frozen=True)
class OutletPages:
    """The pages of one fixture host, with the outlet's display name."""

    host: str
    name: str
    pages: tuple[Page, ...]

    def __iter__(self) -> Iterator[Page]:
        return iter(self.pages)

    def __len__(self) -> int:
        return len(self.pages)

    def articles(self, topic: str | None = "on") -> tuple[Page, ...]:
        return tuple(
            p for p in self.pages if p.kind == "article" and (topic is None or p.topic == topic)
        )

    @property
    def sections(self) -> tuple[str, ...]:
        return tuple(sorted({p.section for p in self.pages}))


def _founded(host: str) -> int | None:
    outlet = OUTLETS.get(host)
    return outlet.founded if outlet else None


def bad_page(page: Page) -> BadPage | None:
    """The problem of a bad-input page, or None for a well-formed one."""
    if page.kind == "video":
        return BadPage("video", "skip", "a video page (og:type video.other): a player and a caption")
    if page.kind == "paywall":
        return BadPage(
            "paywall", "teaser", "a paywall teaser: headline and one lede paragraph, kept as a teaser article"
        )
    if page.kind == "index":
        return BadPage("index", "skip", "a listing of other articles at an article-like path")
    if page.kind == "empty":
        return BadPage("empty", "skip", "HTTP 200 with an empty body")
    if page.charset == "none":
        return BadPage("no-charset", "article", "no charset declared anywhere: the bytes are UTF-8")
    if page.charset:
        return BadPage(
            "wrong-charset",
            "article",
            f"the Content-Type says charset={page.charset} but the bytes are UTF-8",
        )
    if page.mojibake:
        return BadPage(
            "mojibake",
            "article",
            "the served text is UTF-8 read as cp1252 and re-encoded (itâ€™s): repair it",
        )
    if page.comments and page.comments >= HUGE_COMMENTS:
        return BadPage(
            "huge", "article", f"the article, then {page.comments:,} reader comments: keep the text only"
        )
    if page.published > FIXTURE_NOW:
        return BadPage(
            "future-date",
            "article",
            f"states publication in {page.published.year}, in the future: do not trust the date",
        )
    founded = _founded(page.host)
    if founded and page.published.year < founded:
        return BadPage(
            "predates-outlet",
            "article",
            f"states publication in {page.published.year}, before the outlet existed "
            f"({founded}): do not trust the date",
        )
    return None


def _pairs(groups: dict[str, list[Page]]) -> set[tuple[str, str]]:
    return {
        tuple(sorted((a.url, b.url)))  # type: ignore[misc]
        for pages in groups.values()
        for a, b in combinations(pages, 2)
    }


@dataclass(frozen=True)
class Site:
    """All fixture pages, of every host."""

    root: Path
    pages: tuple[Page, ...]
    edition: int = 1
    _by_url: dict[str, Page] = field(init=False, repr=False, compare=False)
    _editions: dict[int, Site] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_url", {p.url: p for p in self.pages})
        object.__setattr__(self, "_editions", {self.edition: self})

    def at(self, edition: int) -> Site:
        """The whole site as edition ``edition`` serves it (every page ``at(edition)``)."""
        if edition not in self._editions:
            pages = tuple(p.at(edition) for p in self.pages)
            view = Site(root=self.root, pages=pages, edition=edition)
            view._editions.update(self._editions)
            for known in list(view._editions.values()):
                known._editions[edition] = view
        return self._editions[edition]

    @cached_property
    def hosts(self) -> tuple[str, ...]:
        """The outlets' hosts (``www.*``): aliases such as ``m.*`` hosts are not among them."""
        return tuple(sorted({p.host for p in self.pages}))

    @cached_property
    def aliases(self) -> dict[str, str]:
        """Alias host -> outlet host: the ``m.`` host of every outlet with a mobile variant."""
        return {
            mobile_host(p.host): p.host for p in self.pages if "mobile" in p.variants
        }

    def outlet(self, host: str) -> OutletPages:
        """The pages of ``host`` (sorted by URL) and the outlet's name; KeyError if unknown."""
        pages = tuple(p for p in self.pages if p.host == host)
        if not pages:
            raise KeyError(f"no fixture pages for host {host!r}")
        outlet = OUTLETS.get(host)
        return OutletPages(host=host, name=outlet.name if outlet else host, pages=pages)

    def articles(self, topic: str | None = "on") -> tuple[Page, ...]:
        """Article pages of every host with that topic (``None``: all), sorted by URL."""
        return tuple(
            p for p in self.pages if p.kind == "article" and (topic is None or p.topic == topic)
        )

    def published(self, topic: str | None = "on") -> tuple[Page, ...]:
        """The pages where an outlet published a story with that topic: its articles and its paywall
        teasers (both are corpus rows), sorted by URL."""
        return tuple(
            p
            for p in self.pages
            if p.kind in ("article", "paywall") and (topic is None or p.topic == topic)
        )

    def page(self, url: str) -> Page:
        """The page at ``url`` (``http://<host><path>``); KeyError if there is none."""
        try:
            return self._by_url[url]
        except KeyError:
            raise KeyError(f"no fixture page at {url!r}") from None

    def get(self, host: str, path: str) -> Page | None:
        return self._by_url.get(f"http://{host}{path}")

    # canonical identity
    @cached_property
    def variant_pages(self) -> dict[str, Page]:
        """Every URL variant (``Page.variant_urls``) -> the one article it is a variant of."""
        return {url: p for p in self.pages for url in p.variant_urls}

    def canonical(self, url: str) -> str:
        """The article URL a page URL or a URL variant stands for; KeyError if neither."""
        if url in self._by_url:
            return url
        if url in self.variant_pages:
            return self.variant_pages[url].url
        raise KeyError(f"no fixture page or variant at {url!r}")

    # versions
    @property
    def updated_pages(self) -> tuple[Page, ...]:
        """Pages whose later editions really change (headline or text)."""
        return tuple(p for p in self.pages if p.has_real_update)

    # near-duplicates
    def stories(self) -> dict[str, tuple[Page, ...]]:
        """Story label -> its pages (sorted by URL): copies and light rewrites of one story."""
        groups: dict[str, list[Page]] = {}
        for p in self.pages:
            if p.story:
                groups.setdefault(p.story, []).append(p)
        return {label: tuple(pages) for label, pages in sorted(groups.items())}

    def story_pairs(self) -> set[tuple[str, str]]:
        """Every pair of URLs (sorted) that are the same story."""
        return _pairs({k: list(v) for k, v in self.stories().items()})

    def event_pairs(self) -> set[tuple[str, str]]:
        """Pairs of URLs (sorted) about the same event but NOT the same story: distinct reports."""
        groups: dict[str, list[Page]] = {}
        for p in self.pages:
            if p.event:
                groups.setdefault(p.event, []).append(p)
        return _pairs(groups) - self.story_pairs()

    # bad input
    @cached_property
    def bad_pages(self) -> dict[str, BadPage]:
        """URL -> problem and expected handling, for every bad-input page."""
        return {p.url: bad for p in self.pages if (bad := bad_page(p)) is not None}


def load_site(root: Path | None = None) -> Site:
    """Read every ``<root>/<host>/*.txt`` (default: the package's ``content/``)."""
    root = Path(root) if root is not None else CONTENT_DIR
    if not root.is_dir():
        raise ValueError(f"fixture content directory not found: {root}")
    pages: list[Page] = []
    seen: dict[str, Path] = {}
    for host_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for file in sorted(host_dir.glob("*.txt")):
            page = parse_page(file.read_text(encoding="utf-8"), host=host_dir.name, source=file)
            if page.url in seen:
                raise ValueError(f"{file}: path {page.path} already used by {seen[page.url]}")
            seen[page.url] = file
            pages.append(page)
    # a story or event label names a group: one page alone under a label is a typo
    for key in ("story", "event"):
        counts: dict[str, list[Page]] = {}
        for page in pages:
            if label := getattr(page, key):
                counts.setdefault(label, []).append(page)
        for label, group in sorted(counts.items()):
            if len(group) == 1:
                raise ValueError(f"{seen[group[0].url]}: {key} {label!r} is used by no other page")
    pages.sort(key=lambda p: p.url)
    return Site(root=root, pages=tuple(pages))
