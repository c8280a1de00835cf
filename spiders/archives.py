"""Web archives (a Wayback-style CDX API: the Wayback Machine, pywb): the URLs captured under the
collection's patterns in the window, one row per URL (``collapse=urlkey``), page after page
(``showResumeKey``/``resumeKey``) until the archive has no more or the pattern's cap (``limit``
in the collection file) is reached; the summary says when it was. The live page is fetched first,
and the archived capture (``<timestamp>id_/<url>``, the raw bytes) when the live one is gone;
either way the article's URL is the original one, and the archive's capture time is kept
(``captures.archived_at``)."""

from __future__ import annotations

from urllib.parse import quote, urlencode, urlsplit

from scrapy.http import Response

from spiders.base import DiscoverySpider
from spiders.cdx import CapNotes, cdx_page, cdx_rows, window_params

__all__ = ["ArchivesMixin", "WaybackSpider", "cdx_query", "cdx_rows", "replay_prefix"]


def replay_prefix(cdx: str) -> str:
    """Where captures are replayed: ``…/cdx/search/cdx`` → ``…/web/``; ``…/<coll>/cdx`` (pywb)
    → ``…/<coll>/``."""
    if cdx.endswith("/cdx/search/cdx"):
        return cdx[: -len("cdx/search/cdx")] + "web/"
    return cdx.rsplit("/", 1)[0] + "/"


def cdx_query(cdx: str, pattern: str, start, end, limit: int, resume_key: str | None = None) -> str:
    """One page of a pattern's HTML captures answered 200, one row per URL (its first capture)."""
    params = [
        ("url", pattern),
        ("output", "json"),
        ("collapse", "urlkey"),
        ("filter", "statuscode:200"),
        ("filter", "mimetype:text/html"),
        *window_params(start, end),
        ("limit", str(limit)),
        ("showResumeKey", "true"),
    ]
    url = f"{cdx}?{urlencode(params)}"
    # the key comes URL-encoded, to be sent as it is (the server's README example)
    return f"{url}&resumeKey={quote(resume_key, safe='%+')}" if resume_key else url


class ArchivesMixin(CapNotes):
    def archive_requests(self):
        start, end = self.collection.window_start, self.collection.window_end
        page_rows = self.settings.getint("DISCOVERY_CDX_PAGE_ROWS")
        for source in self.collection.archives:
            for pattern in source.patterns:
                asked = max(1, min(page_rows, source.limit))
                url = cdx_query(source.cdx, pattern, start, end, asked)
                meta = {"replay": replay_prefix(source.cdx), "cdx": source.cdx, "pattern": pattern}
                meta.update(cap=source.limit, got=0, asked=asked)
                request = self.source_request(url, self.parse_cdx, "wayback", **meta)
                if request is not None:
                    yield request

    def parse_cdx(self, response: Response):
        meta = response.meta
        try:
            page = cdx_page(response.body)
        except ValueError as exc:
            self.failures[response.url] = f"CDX answer is not JSON: {str(exc)[:80]}"
            self.count("wayback/bad_answer")
            return
        self.count("wayback/pages")
        self.count("wayback/rows", len(page.rows))
        yield from self._next_cdx_page(response, page)
        earliest: dict[str, dict] = {}
        for row in page.rows:
            status = str(row.get("statuscode", row.get("status", "200")))
            mime = str(row.get("mimetype", row.get("mime", "text/html")))
            original = row.get("original") or row.get("url")
            if status != "200" or "html" not in mime or not original or not row.get("timestamp"):
                continue
            if original not in earliest or row["timestamp"] < earliest[original]["timestamp"]:
                earliest[original] = row
        self.count("wayback/captures", len(earliest))
        for original, row in sorted(earliest.items()):
            if urlsplit(original).scheme not in ("http", "https"):
                continue
            copy = f"{meta['replay']}{row['timestamp']}id_/{original}"
            request = self.candidate(original, "wayback", response.url, archive_copy=copy)
            if request is not None:
                yield request

    def _next_cdx_page(self, response: Response, page):
        """The pattern's next page while the archive has more and the cap allows; the cap, or a
        server that cannot page, noted for the summary."""
        meta = response.meta
        got, cap, pattern = meta["got"] + len(page.rows), meta["cap"], meta["pattern"]
        source = f"Wayback CDX {meta['cdx']}"
        if not page.resume_key:
            if not page.table and len(page.rows) >= meta["asked"]:
                self.unpaged(source, pattern, len(page.rows))
            return
        if got >= cap:
            self.cap_hit(source, pattern, cap)
            return
        page_rows = self.settings.getint("DISCOVERY_CDX_PAGE_ROWS")
        asked = max(1, min(page_rows, cap - got))
        start, end = self.collection.window_start, self.collection.window_end
        url = cdx_query(meta["cdx"], pattern, start, end, asked, page.resume_key)
        keep = {k: meta[k] for k in ("replay", "cdx", "pattern", "cap")}
        request = self.source_request(url, self.parse_cdx, "wayback", got=got, asked=asked, **keep)
        if request is not None:
            yield request


class WaybackSpider(ArchivesMixin, DiscoverySpider):
    """``scrapy crawl wayback``: the collection's [[archives]] alone."""

    name = "wayback"

    async def start(self):
        for request in self.archive_requests():
            yield request
