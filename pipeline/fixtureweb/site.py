"""Parse the fixture web's content files (``content/<host>/*.txt``) into frozen dataclasses.

The format is described in ``content/FORMAT.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path

CONTENT_DIR = Path(__file__).resolve().parent / "content"

REQUIRED_KEYS = ("kind", "topic", "path", "title", "published", "section")
OPTIONAL_KEYS = (
    "dek",
    "authors",
    "updated",
    "tags",
    "image_alt",
    "image_caption",
    "image_credit",
    "syndicated_from",
)
KINDS = ("article",)
TOPICS = ("on", "off")

_KEY_LINE = re.compile(r"^([a-z_]+):(.*)$")


def slugify(name: str) -> str:
    """``"TV & Movies"`` -> ``"tv-movies"``: the slug of a section in ``/section/<slug>/``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


@dataclass(frozen=True, slots=True)
class Page:
    """One article page of one fixture host."""

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

    @property
    def last_modified(self) -> datetime:
        return self.updated or self.published

    @property
    def section_slug(self) -> str:
        return slugify(self.section)

    @property
    def text(self) -> str:
        """The body as plain text, one paragraph a line (what an ideal extractor returns)."""
        return "\n".join(self.paragraphs)


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
        return tuple(p for p in self.pages if topic is None or p.topic == topic)

    @property
    def sections(self) -> tuple[str, ...]:
        return tuple(sorted({p.section for p in self.pages}))


@dataclass(frozen=True)
class Site:
    """All fixture pages, of every host."""

    root: Path
    pages: tuple[Page, ...]
    _by_url: dict[str, Page] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_url", {p.url: p for p in self.pages})

    @cached_property
    def hosts(self) -> tuple[str, ...]:
        return tuple(sorted({p.host for p in self.pages}))

    def outlet(self, host: str) -> OutletPages:
        """The pages of ``host`` (sorted by URL) and the outlet's name; KeyError if unknown."""
        pages = tuple(p for p in self.pages if p.host == host)
        if not pages:
            raise KeyError(f"no fixture pages for host {host!r}")
        from .outlets import OUTLETS  # late import: outlets depends on this module

        outlet = OUTLETS.get(host)
        return OutletPages(host=host, name=outlet.name if outlet else host, pages=pages)

    def articles(self, topic: str | None = "on") -> tuple[Page, ...]:
        """Article pages of every host with that topic (``None``: all), sorted by URL."""
        return tuple(
            p for p in self.pages if p.kind == "article" and (topic is None or p.topic == topic)
        )

    def page(self, url: str) -> Page:
        """The page at ``url`` (``http://<host><path>``); KeyError if there is none."""
        try:
            return self._by_url[url]
        except KeyError:
            raise KeyError(f"no fixture page at {url!r}") from None

    def get(self, host: str, path: str) -> Page | None:
        return self._by_url.get(f"http://{host}{path}")


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
    pages.sort(key=lambda p: p.url)
    return Site(root=root, pages=tuple(pages))


def parse_page(text: str, host: str, source: Path | str = "<string>") -> Page:
    """Parse one content file; ValueError names ``source`` and the problem."""

    def fail(problem: str) -> ValueError:
        return ValueError(f"{source}: {problem}")

    lines = text.splitlines()
    try:
        sep = next(i for i, line in enumerate(lines) if line.strip() == "---")
    except StopIteration:
        raise fail("no '---' line between the header and the body") from None

    header: dict[str, str] = {}
    for n, line in enumerate(lines[:sep], start=1):
        if not line.strip():
            continue
        m = _KEY_LINE.match(line)
        if not m:
            raise fail(f"line {n}: expected 'key: value', got {line!r}")
        key, value = m.group(1), m.group(2).strip()
        if key not in REQUIRED_KEYS and key not in OPTIONAL_KEYS:
            raise fail(f"line {n}: unknown key {key!r}")
        if key in header:
            raise fail(f"line {n}: duplicate key {key!r}")
        header[key] = value
    for key in REQUIRED_KEYS:
        if not header.get(key):
            raise fail(f"missing required key {key!r}")

    if header["kind"] not in KINDS:
        raise fail(f"kind must be one of {KINDS}, got {header['kind']!r}")
    if header["topic"] not in TOPICS:
        raise fail(f"topic must be 'on' or 'off', got {header['topic']!r}")
    path = header["path"]
    if not path.startswith("/") or any(c.isspace() for c in path):
        raise fail(f"path must start with '/' and hold no spaces, got {path!r}")

    def date(key: str) -> datetime | None:
        value = header.get(key)
        if not value:
            return None
        try:
            dt = datetime.fromisoformat(value)
        except ValueError:
            raise fail(f"bad date in {key!r}: {value!r} is not ISO 8601") from None
        if dt.tzinfo is None or dt.utcoffset() is None:
            raise fail(f"bad date in {key!r}: {value!r} has no UTC offset")
        return dt

    def opt(key: str) -> str | None:
        return header.get(key) or None

    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines[sep + 1 :] + [""]:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if not paragraphs:
        raise fail("the body has no paragraphs")

    published = date("published")
    assert published is not None
    return Page(
        host=host,
        path=path,
        url=f"http://{host}{path}",
        kind=header["kind"],
        topic=header["topic"],
        title=header["title"],
        dek=opt("dek"),
        authors=tuple(a.strip() for a in header.get("authors", "").split(";") if a.strip()),
        published=published,
        updated=date("updated"),
        section=header["section"],
        tags=tuple(t.strip() for t in header.get("tags", "").split(",") if t.strip()),
        image_alt=opt("image_alt"),
        image_caption=opt("image_caption"),
        image_credit=opt("image_credit"),
        syndicated_from=opt("syndicated_from"),
        paragraphs=tuple(paragraphs),
    )
