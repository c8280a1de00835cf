"""The links a page offers, for the WARC metadata record written beside its response.

Works on the raw body as archived: decodes its Content-Encoding within a size limit, so a
compression bomb costs no more than `limit` bytes.
"""

from __future__ import annotations

import zlib
from urllib.parse import urljoin, urlsplit

import lxml.html

try:
    import brotli
except ImportError:  # pragma: no cover - brotli comes with Scrapy's own dependencies
    brotli = None

MAX_OUTLINKS = 2000


def decoded_body(content_encoding: str | None, body: bytes, limit: int) -> bytes | None:
    """The body without its Content-Encoding, or None if it cannot be decoded within `limit`."""
    encodings = [e.strip().lower() for e in (content_encoding or "").split(",") if e.strip()]
    try:
        for encoding in reversed(encodings):
            if encoding in ("gzip", "x-gzip"):
                body = _inflate(body, zlib.MAX_WBITS | 16, limit)
            elif encoding == "deflate":
                try:
                    body = _inflate(body, zlib.MAX_WBITS, limit)
                except zlib.error:
                    body = _inflate(body, -zlib.MAX_WBITS, limit)
            elif encoding == "br" and brotli is not None:
                body = _unbrotli(body, limit)
            elif encoding != "identity":
                return None
    except (zlib.error, OSError, ValueError, getattr(brotli, "error", ValueError)):
        return None
    return body


def _inflate(data: bytes, wbits: int, limit: int) -> bytes:
    inflater = zlib.decompressobj(wbits)
    out = inflater.decompress(data, limit)
    if inflater.unconsumed_tail:
        raise ValueError(f"decoded body exceeds {limit} bytes")
    return out


def _unbrotli(data: bytes, limit: int) -> bytes:
    """Brotli within `limit`: never inflates a bomb in memory (``brotli.decompress`` would)."""
    decompressor = brotli.Decompressor()
    out = decompressor.process(data, output_buffer_limit=limit + 1)
    if len(out) > limit or not decompressor.is_finished():
        raise ValueError(f"decoded body exceeds {limit} bytes")
    return out


def outlinks(html: bytes, base_url: str) -> list[str]:
    """Absolute http(s) link targets in document order, each once."""
    try:
        tree = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return []
    base = tree.xpath("string(//base/@href)") or base_url
    seen: dict[str, None] = {}
    for href in tree.xpath("//a/@href | //area/@href"):
        url = urljoin(urljoin(base_url, base), href.strip()).split("#", 1)[0]
        if urlsplit(url).scheme in ("http", "https"):
            seen.setdefault(url, None)
            if len(seen) >= MAX_OUTLINKS:
                break
    return list(seen)
