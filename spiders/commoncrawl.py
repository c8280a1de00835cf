"""Common Crawl: the index server (a CDX API per crawl, answering ``filename``, ``offset``,
``length``) and each WARC record fetched by HTTP byte range from the data host. The fetched bytes
(one gzipped WARC record) are archived by our WARC middleware like any response; the page inside
becomes the article, under its original URL, with the CC file and offset as discovery metadata."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import urlencode

import scrapy
from scrapy.http import HtmlResponse, Response
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from pipeline.items import PageItem
from spiders.archivehosts import ARCHIVE_HOST_META
from spiders.base import DiscoverySpider
from spiders.cdx import CapNotes, cdx_rows, page_count, window_params
from spiders.pages import page_item
from warc.middleware import LOCATION

CC_RECORD = "commoncrawl_record"  # meta: (filename, offset, length, original URL, timestamp)


def record_page(body: bytes) -> tuple[str, dict, bytes, dt.datetime | None] | None:
    """(target URI, HTTP headers, decoded payload, WARC-Date) of the one response record in
    ``body``, or None when it holds none."""
    for record in ArchiveIterator(io.BytesIO(body)):
        if record.rec_type != "response" or record.http_headers is None:
            continue
        date = record.rec_headers.get_header("WARC-Date")
        when = dt.datetime.fromisoformat(date.replace("Z", "+00:00")) if date else None
        headers = {k.lower(): v for k, v in record.http_headers.headers}
        return record.rec_headers.get_header("WARC-Target-URI"), headers, record.content_stream().read(), when
    return None


def record_item(found: tuple, byte_range: Response) -> PageItem | None:
    """The page of ``record_page``'s answer as the crawl stores it, under its original URL with the
    byte range's URL as its archive URL; None when it is not HTML. ``byte_range``: the response
    the WARC middleware recorded (its meta says where)."""
    uri, headers, payload, when = found
    if "html" not in headers.get("content-type", "html"):
        return None
    page = HtmlResponse(uri, headers=headers, body=payload, request=scrapy.Request(uri, meta=byte_range.meta))
    item = page_item(page)  # its charset found as any page's
    item.discovered_via = "commoncrawl"
    item.stands_for(uri, byte_range.url, when)
    return item


def cc_index_query(index: str, crawl: str, pattern: str, start, end, page: int | None) -> str:
    """The crawl's index query: its page count (``showNumPages=true``), or one page of it."""
    params = [("url", pattern), ("output", "json"), *window_params(start, end)]
    params.append(("showNumPages", "true") if page is None else ("page", str(page)))
    return f"{index.rstrip('/')}/{crawl}-index?{urlencode(params)}"


class CommonCrawlMixin(CapNotes):
    """Each pattern of each crawl: the number of pages first, then pages 0..n-1 one after another
    (pywb's paged index), until the last page or the pattern's cap (``limit``)."""

    def commoncrawl_requests(self):
        start, end = self.collection.window_start, self.collection.window_end
        for source in self.collection.commoncrawl:
            for crawl in source.crawls:
                for pattern in source.patterns:
                    url = cc_index_query(source.index, crawl, pattern, start, end, None)
                    meta = {"data": source.data.rstrip("/") + "/", "index": source.index, "crawl": crawl}
                    meta.update(pattern=pattern, cap=source.limit, got=0)
                    request = self.source_request(url, self.parse_cc_pages, "commoncrawl", **meta)
                    if request is not None:
                        yield request

    def parse_cc_pages(self, response: Response):
        try:
            pages = page_count(response.body)
        except ValueError as exc:
            self.failures[response.url] = f"Common Crawl index: no page count: {str(exc)[:80]}"
            self.count("commoncrawl/bad_answer")
            return
        self.count("commoncrawl/index_pages", pages)
        if pages:
            yield from self._cc_page(response.meta, 0, pages, got=0)

    def _cc_page(self, meta: dict, page: int, pages: int, got: int):
        start, end = self.collection.window_start, self.collection.window_end
        url = cc_index_query(meta["index"], meta["crawl"], meta["pattern"], start, end, page)
        keep = {k: meta[k] for k in ("data", "index", "crawl", "pattern", "cap")}
        request = self.source_request(
            url, self.parse_cc_index, "commoncrawl", page=page, pages=pages, got=got, **keep
        )
        if request is not None:
            # a page that filters leave empty answers 404 "No Captures found": not a failure
            request.meta["handle_httpstatus_list"] = [404]
            yield request

    def parse_cc_index(self, response: Response):
        meta = response.meta
        try:
            rows = [] if response.status == 404 else cdx_rows(response.body)
        except ValueError as exc:
            self.failures[response.url] = f"Common Crawl index answer is not JSON: {str(exc)[:80]}"
            self.count("commoncrawl/bad_answer")
            return
        cap, got = meta["cap"], meta["got"]
        more = meta["page"] + 1 < meta["pages"]
        if got + len(rows) > cap:
            rows, more = rows[: cap - got], True
        got += len(rows)
        if more and got >= cap:
            source = f"Common Crawl {meta['index'].rstrip('/')}/{meta['crawl']}-index"
            self.cap_hit(source, meta["pattern"], cap)
        elif more:
            yield from self._cc_page(meta, meta["page"] + 1, meta["pages"], got)
        for row in rows:
            try:
                offset, length = int(row["offset"]), int(row["length"])
                filename, original = row["filename"], row["url"]
            except (KeyError, TypeError, ValueError):
                self.count("commoncrawl/bad_rows")
                continue
            if str(row.get("status", "200")) != "200" or "html" not in str(row.get("mime", "html")):
                continue
            if not self.claim(original):
                continue
            record = {
                "discovered_via": "commoncrawl",
                "discovered_from": f"{response.url} {filename}#{offset}+{length}",
                CC_RECORD: (filename, offset, length, original, row.get("timestamp")),
                **ARCHIVE_HOST_META,
            }
            self.count("discovery/commoncrawl")
            yield scrapy.Request(
                response.meta["data"] + filename,
                headers={"Range": f"bytes={offset}-{offset + length - 1}"},
                callback=self.parse_cc_record,
                errback=self.on_error,
                meta=record,
                dont_filter=True,  # one WARC file, many ranges
            )

    def parse_cc_record(self, response: Response):
        self.count("pages/fetched")
        _, _, _, original, _ = response.meta[CC_RECORD]
        try:
            found = record_page(response.body)
        except (ArchiveLoadFailed, OSError, ValueError) as exc:
            found, problem = None, str(exc)
        else:
            problem = "no response record in the range"
        if found is None:
            self.failures[response.url + f" ({original})"] = f"Common Crawl record: {problem}"
            return
        if response.meta.get(LOCATION) is None:
            return
        item = record_item((found[0] or original, *found[1:]), response)
        if item is not None:
            yield item


class CommonCrawlSpider(CommonCrawlMixin, DiscoverySpider):
    """``scrapy crawl commoncrawl``: the collection's [[commoncrawl]] alone."""

    name = "commoncrawl"

    async def start(self):
        for request in self.commoncrawl_requests():
            yield request
