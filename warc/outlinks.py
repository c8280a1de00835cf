"""The links a page offers, read once by the WARC writer: for the metadata record written beside
its response, and for the spider's focused link following (`PageLinks`).

Works on the raw body as archived: decodes its Content-Encoding within a size limit, so a
compression bomb costs no more than `limit` bytes; the page is then parsed as the spider would
parse it (`html_root`), so the spider gets the same reading whichever process made it.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from urllib.parse import SplitResult, urljoin, urlsplit

try:
    import brotli
except ImportError:  # pragma: no cover - brotli comes with Scrapy's own dependencies
    brotli = None

MAX_OUTLINKS = 2000
_UNPLAIN = re.compile(r"[\t\n\r;\[\]]")  # what urllib would drop, split off or check in a link


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


def html_root(body: bytes, url: str, content_type: str | None):
    """The page's lxml tree exactly as the spider's ``response.selector.root`` would be: Scrapy's
    HtmlResponse decodes the body (charset from the header, a BOM or the page) and parsel parses it.
    None for a body with no HTML tree."""
    from scrapy.http import HtmlResponse

    headers = {"Content-Type": content_type} if content_type else {}
    return response_root(HtmlResponse(url, body=body, headers=headers))


def response_root(response):
    """``response.selector.root`` without caching the Selector on the response: that one refers
    back to the response, a reference cycle that would keep each page's text and tree alive until
    the garbage collector's next pass, costing collections and memory. None for a body with no
    HTML tree."""
    from scrapy.selector import Selector

    root = Selector(response).root
    return root if hasattr(root, "xpath") else None


@dataclass(frozen=True, slots=True)
class PageLinks:
    """What focused link following reads of a page: its title, the text of its paragraphs, and
    each link (``<a href>``) as written and with its anchor text, in document order."""

    title: str
    text: str
    anchors: list[tuple[str, str]]


def read_links(root, base_url: str) -> tuple[PageLinks, list[str]]:
    """The page's links for the spider and its outlinks for the metadata record, from one walk
    over its links (walking them is most of the cost of either)."""
    anchors, hrefs = _anchors_and_hrefs(root)
    return _page_links(root, anchors), outlinks(root, base_url, hrefs)


def page_links(root) -> PageLinks:
    return _page_links(root, _anchors_and_hrefs(root)[0])


def _page_links(root, anchors: list[tuple[str, str]]) -> PageLinks:
    return PageLinks(
        title=root.xpath("normalize-space(//title)"),
        text=" ".join(root.xpath("//p//text()", smart_strings=False)),
        anchors=anchors,
    )


def _anchors_and_hrefs(root) -> tuple[list[tuple[str, str]], list[str]]:
    """Each ``<a href>`` with its anchor text, and the href of each ``<a>`` and ``<area>``, in
    document order, hrefs stripped.

    A walk with lxml's own iterator, not the XPath ``//a[@href] | //area[@href]`` (which sorts its
    union), over the root and the elements a broken page leaves beside it; an anchor without
    child elements is its own text, no text iterator needed: the same result for less CPU."""
    anchors, hrefs = [], []
    tops = [root]
    if root.getparent() is None:  # the document's root: a broken page can hold a second one
        tops = [*reversed(list(root.itersiblings(preceding=True))), root, *root.itersiblings()]
    for top in tops:
        for element in top.iter("a", "area"):
            href = element.get("href")
            if href is None:
                continue
            href = href.strip()
            hrefs.append(href)
            if element.tag == "a":
                text = " ".join(element.itertext()) if len(element) else element.text or ""
                anchors.append((href, text))
    return anchors, hrefs


def outlinks(root, base_url: str, hrefs: list[str]) -> list[str]:
    """Absolute http(s) link targets in document order, each once; a link that is no URL is skipped."""
    try:
        base = urljoin(base_url, root.xpath("string(//base/@href)") or base_url)
        parts = urlsplit(base)
    except ValueError:  # an unparseable <base href>: the page's own URL
        base, parts = base_url, urlsplit(base_url)
    origin = link_origin(parts)
    seen: dict[str, None] = {}
    for href in hrefs:
        try:
            url = absolute_link(base, origin, href)
            # The prefix test spares most links a second parse.
            if url.startswith(("http://", "https://")) or urlsplit(url).scheme in ("http", "https"):
                seen.setdefault(url, None)
                if len(seen) >= MAX_OUTLINKS:
                    break
        except ValueError:  # "http://[bad": urllib cannot split it
            continue
    return list(seen)


def link_origin(base: SplitResult) -> str:
    """``scheme://host`` of an http(s) base URL, what `absolute_link` joins root-relative links to;
    "" for any other base."""
    return f"{base.scheme}://{base.netloc}" if base.scheme in ("http", "https") and base.netloc else ""


def absolute_link(base: str, origin: str, href: str) -> str:
    """``urljoin(base, href)`` without its fragment, `origin` being the base's ``scheme://host``.

    urljoin is most of the cost of a page's links (~100 a page, on every page archived), and most
    links need none of it: a root-relative path (``/a/b?c``) joins as origin + path, an absolute
    http(s) URL (``https://host/a``) stays as written. That holds for their plain form only, which
    is what this checks: ASCII, no tab or newline (urllib drops them), no ``;`` (path parameters),
    no ``[`` or ``]`` (IPv6 hosts), no empty query, no dot segment, a host. Anything else goes
    through urljoin.
    """
    url = href.split("#", 1)[0]
    if url.isascii() and not url.endswith("?") and not _UNPLAIN.search(url):
        if url.startswith("/") and origin:
            if not url.startswith("//") and "/." not in url:
                return origin + url
        elif url.startswith(("http://", "https://")) and url.split("//", 1)[1][:1].isalnum():
            return url
    return urljoin(base, href).split("#", 1)[0]
