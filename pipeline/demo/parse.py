"""Parse one content file (``content/<host>/<slug>.txt``, format in ``content/FORMAT.md``)."""

from __future__ import annotations

import codecs
import re
from datetime import datetime
from pathlib import Path

from .page import KINDS, TOPICS, VARIANT_KINDS, Edition, Page

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
    "variants",
    "volatile",
    "scripted",
    "story",
    "event",
    "charset",
    "mojibake",
    "comments",
)
EDITION_KEYS = re.compile(r"^(title|updated)_([0-9]+)$")  # title_2, updated_2, ...

_KEY_LINE = re.compile(r"^([a-z_0-9]+):(.*)$")
_EDITION_LINE = re.compile(r"^=== edition ([0-9]+) ===$")
_LABEL = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# how many paragraphs each kind's body holds: (at least, at most)
_BODY_SIZE = {
    "article": (1, None),
    "video": (1, 2),
    "paywall": (1, 1),
    "index": (1, None),
    "empty": (0, 0),
}
_ARTICLE_ONLY = ("variants", "volatile", "scripted", "charset", "mojibake", "comments")


def _paragraphs(lines: list[str]) -> tuple[str, ...]:
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines + [""]:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    return tuple(paragraphs)


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
            em = EDITION_KEYS.match(key)
            if not em:
                raise fail(f"line {n}: unknown key {key!r}")
            if int(em.group(2)) < 2:
                raise fail(f"line {n}: {key!r}: edition keys start at {em.group(1)}_2")
        if key in header:
            raise fail(f"line {n}: duplicate key {key!r}")
        header[key] = value
    for key in REQUIRED_KEYS:
        if not header.get(key):
            raise fail(f"missing required key {key!r}")

    kind = header["kind"]
    if kind not in KINDS:
        raise fail(f"kind must be one of {KINDS}, got {kind!r}")
    if header["topic"] not in TOPICS:
        raise fail(f"topic must be 'on' or 'off', got {header['topic']!r}")
    path = header["path"]
    if not path.startswith("/") or any(c.isspace() for c in path):
        raise fail(f"path must start with '/' and hold no spaces, got {path!r}")
    if "?" in path or "#" in path:
        raise fail(f"path must hold no query or fragment, got {path!r}")
    if kind != "article":
        extra = [k for k in header if k in _ARTICLE_ONLY or EDITION_KEYS.match(k)]
        if extra:
            raise fail(f"{extra[0]!r} is only allowed on kind 'article', not {kind!r}")

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

    def flag(key: str) -> bool:
        value = header.get(key, "no")
        if value not in ("yes", "no"):
            raise fail(f"{key!r} must be 'yes' or 'no', got {value!r}")
        return value == "yes"

    def label(key: str) -> str | None:
        value = opt(key)
        if value is not None and not _LABEL.match(value):
            raise fail(f"{key!r} must be a label of a-z, 0-9 and single '-', got {value!r}")
        return value

    # the body: edition 1, then "=== edition N ===" sections
    bodies: dict[int, tuple[str, ...]] = {}
    number, start = 1, sep + 1
    for i in range(sep + 1, len(lines) + 1):
        marker = _EDITION_LINE.match(lines[i].strip()) if i < len(lines) else None
        if i < len(lines) and marker is None:
            if lines[i].strip().startswith("==="):
                raise fail(f"line {i + 1}: expected '=== edition N ===', got {lines[i]!r}")
            continue
        bodies[number] = _paragraphs(lines[start:i])
        if marker is None:
            break
        following = int(marker.group(1))
        if kind != "article":
            raise fail(f"line {i + 1}: editions are only allowed on kind 'article'")
        if following <= number:
            raise fail(f"line {i + 1}: edition {following} must come after edition {number}")
        if not bodies[number] and number > 1:
            raise fail(f"edition {number} has no paragraphs")
        number, start = following, i + 1
    if number > 1 and not bodies[number]:
        raise fail(f"edition {number} has no paragraphs")

    paragraphs = bodies[1]
    least, most = _BODY_SIZE[kind]
    if not paragraphs and least:
        raise fail("the body has no paragraphs")
    if len(paragraphs) < least or (most is not None and len(paragraphs) > most):
        wanted = f"{least}" if least == most else f"{least} to {most}"
        raise fail(f"a {kind!r} page has {wanted} paragraphs, this one has {len(paragraphs)}")

    variants = tuple(v.strip() for v in header.get("variants", "").split(",") if v.strip())
    for v in variants:
        if v not in VARIANT_KINDS:
            raise fail(f"variants: unknown variant {v!r} (one of {', '.join(VARIANT_KINDS)})")
    if len(set(variants)) != len(variants):
        raise fail(f"variants: a variant is listed twice in {header['variants']!r}")
    if "index" in variants and not path.endswith("/"):
        raise fail("variants: 'index' (index.html) needs a path ending in '/'")

    charset = opt("charset")
    if charset is not None and charset != "none":
        try:
            name = codecs.lookup(charset).name
        except LookupError:
            raise fail(f"charset: unknown charset {charset!r} (or 'none')") from None
        if name == "utf-8":
            raise fail("charset: the bytes are UTF-8 anyway; give a wrong charset or 'none'")
    comments = None
    if "comments" in header:
        if not re.fullmatch(r"[0-9]+", header["comments"]) or int(header["comments"]) < 1:
            raise fail(f"comments must be a positive number, got {header['comments']!r}")
        comments = int(header["comments"])

    published = date("published")
    assert published is not None
    updated = date("updated")

    # every edition: its body (or the previous one), title_N and updated_N carry forward too
    numbers = sorted(
        set(bodies) | {int(m.group(2)) for k in header if (m := EDITION_KEYS.match(k))}
    )
    editions: list[Edition] = []
    title, body, when = header["title"], paragraphs, updated
    for n in numbers:
        title = header.get(f"title_{n}") or title
        body = bodies.get(n) or body
        when = date(f"updated_{n}") or when
        editions.append(Edition(n, title, body, when))

    return Page(
        host=host,
        path=path,
        url=f"http://{host}{path}",
        kind=kind,
        topic=header["topic"],
        title=header["title"],
        dek=opt("dek"),
        authors=tuple(a.strip() for a in header.get("authors", "").split(";") if a.strip()),
        published=published,
        updated=updated,
        section=header["section"],
        tags=tuple(t.strip() for t in header.get("tags", "").split(",") if t.strip()),
        image_alt=opt("image_alt"),
        image_caption=opt("image_caption"),
        image_credit=opt("image_credit"),
        syndicated_from=opt("syndicated_from"),
        paragraphs=paragraphs,
        variants=variants,
        volatile=flag("volatile"),
        scripted=flag("scripted"),
        story=label("story"),
        event=label("event"),
        charset=charset,
        mojibake=flag("mojibake"),
        comments=comments,
        editions=tuple(editions),
    )
