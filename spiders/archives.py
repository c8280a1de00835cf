"""Web archives (a Wayback-style CDX API: the Wayback Machine, pywb): captures of the collection's
URL patterns in the window. The live page is fetched first, and the archived capture
(``<timestamp>id_/<url>``, the raw bytes) when the live one is gone; either way the article's
URL is the original one, and the archive's capture time is kept (``captures.archived_at``)."""

from __future__ import annotations

import json
from urllib.parse import urlencode, urlsplit

from scrapy.http import Response

from spiders.base import DiscoverySpider


def replay_prefix(cdx: str) -> str:
    """Where captures are replayed: ``…/cdx/search/cdx`` → ``…/web/``; ``…/<coll>/cdx`` (pywb)
    → ``…/<coll>/``."""
    if cdx.endswith("/cdx/search/cdx"):
        return cdx[: -len("cdx/search/cdx")] + "web/"
    return cdx.rsplit("/", 1)[0] + "/"


def cdx_rows(body: bytes) -> list[dict]:
    """Rows of a CDX answer: the Wayback Machine's JSON table (header row first) or pywb's
    JSON lines. Raises ValueError on anything else."""
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return []
    if text.startswith("["):
        table = json.loads(text)
        if not table:
            return []
        header, *rows = table
        return [dict(zip(header, row, strict=False)) for row in rows]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def cdx_query(cdx: str, pattern: str, start, end, limit: int, extra: dict | None = None) -> str:
    params = {"url": pattern, "output": "json", "limit": str(limit)}
    if start:
        params["from"] = start.strftime("%Y%m%d")
    if end:
        params["to"] = end.strftime("%Y%m%d") + "235959"
    params.update(extra or {})
    return f"{cdx}?{urlencode(params)}"


class ArchivesMixin:
    def archive_requests(self):
        start, end = self.collection.window_start, self.collection.window_end
        for source in self.collection.archives:
            extra = {"collapse": "digest", "filter": "statuscode:200"}
            for pattern in source.patterns:
                url = cdx_query(source.cdx, pattern, start, end, source.limit, extra)
                replay = replay_prefix(source.cdx)
                request = self.source_request(url, self.parse_cdx, "wayback", replay=replay)
                if request is not None:
                    yield request

    def parse_cdx(self, response: Response):
        try:
            rows = cdx_rows(response.body)
        except ValueError as exc:
            self.failures[response.url] = f"CDX answer is not JSON: {str(exc)[:80]}"
            self.count("wayback/bad_answer")
            return
        earliest: dict[str, dict] = {}
        for row in rows:
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
            copy = f"{response.meta['replay']}{row['timestamp']}id_/{original}"
            request = self.candidate(original, "wayback", response.url, archive_copy=copy)
            if request is not None:
                yield request


class WaybackSpider(ArchivesMixin, DiscoverySpider):
    """``scrapy crawl wayback``: the collection's [[archives]] alone."""

    name = "wayback"

    async def start(self):
        for request in self.archive_requests():
            yield request
