"""What a fixture host sends: a ``Response``, and a page rendered as the site's edition serves it.

Kept apart from ``routes.py``, which decides what each URL answers, so that the other route
modules (``discovery.py``, ``moved.py``, ``discovery_archive.py``, ``hostile.py``) build their answers
without importing the router that imports them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from html import escape
from http import HTTPStatus
from typing import TYPE_CHECKING

from .outlets import OUTLETS
from .special import render_special
from .variants import RENDERERS

if TYPE_CHECKING:
    from .page import Page
    from .site import Site

HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
_META_CHARSET = re.compile(r'<meta charset="[^"]*">\n?', re.IGNORECASE)


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = HTML
    headers: dict[str, str] = field(default_factory=dict)
    last_modified: datetime | None = None
    delay: float = 0.0  # seconds to wait before answering (/slow)
    # Connection-level misbehaviour (hostile.py), acted on by the handler in server.py:
    chunks: Iterable[bytes] | None = None  # body streamed instead of ``body``
    declared_length: int | None = None  # Content-Length sent with ``chunks``; None: close-delimited
    byte_interval: float = 0.0  # trickle: seconds between single bytes of ``chunks``
    reset: bool = False  # after ``chunks``, reset the connection (RST) instead of finishing


def etag_of(body: bytes) -> str:
    """A strong validator for a page: the same bytes, the same tag, edition after edition."""
    return '"' + hashlib.sha1(body).hexdigest()[:20] + '"'


def small_page(status: int, title: str, text: str) -> bytes:
    return (
        f'<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head>\n"
        f"<body><h1>{escape(title)}</h1><p>{escape(text)}</p></body>\n</html>\n"
    ).encode()


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def not_found(host: str, path: str) -> Response:
    return Response(
        404, small_page(404, "Page not found", f"There is no page at http://{host}{path}.")
    )


def mojibake(text: str) -> str:
    """``it’s`` -> ``itâ€™s``: UTF-8 bytes decoded as Windows-1252 (bytes it lacks kept as is)."""
    out = []
    for byte in text.encode("utf-8"):
        try:
            out.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(byte))
    return "".join(out)


def _as_served(page: Page) -> Page:
    if not page.mojibake:
        return page
    return replace(
        page,
        title=mojibake(page.title),
        dek=mojibake(page.dek) if page.dek else None,
        image_caption=mojibake(page.image_caption) if page.image_caption else None,
        paragraphs=tuple(mojibake(p) for p in page.paragraphs),
    )


def render_page(site: Site, page: Page, variant: str | None = None) -> str:
    """The HTML the server sends for ``page`` (or its ``variant``), as ``site``'s edition."""
    page = _as_served(page)
    outlet = OUTLETS.get(page.host)
    if variant in RENDERERS:
        return RENDERERS[variant](site, page)
    if page.kind != "article":
        return render_special(site, outlet, page)
    if outlet is None:
        raise KeyError(f"no outlet renders {page.host!r}")
    return outlet.render_article(site, page)


def page_response(site: Site, page: Page, variant: str | None = None) -> Response:
    html = render_page(site, page, variant)
    content_type = HTML
    if page.charset and variant is None:
        html = _META_CHARSET.sub("", html, count=1)
        content_type = "text/html" if page.charset == "none" else f"text/html; charset={page.charset}"
    body = html.encode("utf-8")
    return Response(
        200, body, content_type, {"ETag": etag_of(body)}, last_modified=page.last_modified
    )
