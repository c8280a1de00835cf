"""Common Crawl: the index server (a CDX API per crawl, answering ``filename``, ``offset``,
``length``) and each WARC record fetched by HTTP byte range from the data host. The fetched bytes
(one gzipped WARC record) are archived by our WARC middleware like any response; the page inside
becomes the article, under its original URL, with the CC file and offset as discovery metadata."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from pipeline.items import PageItem
from spiders.archives import cdx_rows
from spiders.base import DiscoverySpider
from warc.middleware import CAPTURE_RECORD, FETCH_STARTED, LOCATION

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


class CommonCrawlMixin:
    def commoncrawl_requests(self):
        start, end = self.collection.window_start, self.collection.window_end
        for source in self.collection.commoncrawl:
            for crawl in source.crawls:
                for pattern in source.patterns:
                    params = {"url": pattern, "output": "json", "limit": str(source.limit)}
                    if start:
                        params["from"] = start.strftime("%Y%m%d")
                    if end:
                        params["to"] = end.strftime("%Y%m%d") + "235959"
                    url = f"{source.index.rstrip('/')}/{crawl}-index?{urlencode(params)}"
                    request = self.source_request(
                        url, self.parse_cc_index, "commoncrawl", data=source.data.rstrip("/") + "/"
                    )
                    if request is not None:
                        yield request

    def parse_cc_index(self, response: Response):
        try:
            rows = cdx_rows(response.body)
        except ValueError as exc:
            self.failures[response.url] = f"Common Crawl index answer is not JSON: {str(exc)[:80]}"
            return
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
            meta = {
                "discovered_via": "commoncrawl",
                "discovered_from": f"{response.url} {filename}#{offset}+{length}",
                CC_RECORD: (filename, offset, length, original, row.get("timestamp")),
            }
            self.count("discovery/commoncrawl")
            yield scrapy.Request(
                response.meta["data"] + filename,
                headers={"Range": f"bytes={offset}-{offset + length - 1}"},
                callback=self.parse_cc_record,
                errback=self.on_error,
                meta=meta,
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
        uri, headers, payload, when = found
        location = response.meta.get(LOCATION)
        if location is None or "html" not in headers.get("content-type", "html"):
            return
        charset = headers.get("content-type", "").partition("charset=")[2].strip() or "utf-8"
        item = PageItem(
            url=uri or original,
            body=payload,
            encoding=charset,
            fetched_at=response.meta.get(FETCH_STARTED) or dt.datetime.now(dt.UTC),
            warc=location,
            capture_record_id=response.meta.get(CAPTURE_RECORD),
            discovered_via="commoncrawl",
            discovered_from=response.meta["discovered_from"],
        )
        item.notes["archive_url"] = response.url
        if when:
            item.notes["archived_at"] = when.isoformat()
        yield item


class CommonCrawlSpider(CommonCrawlMixin, DiscoverySpider):
    """``scrapy crawl commoncrawl``: the collection's [[commoncrawl]] alone."""

    name = "commoncrawl"

    async def start(self):
        for request in self.commoncrawl_requests():
            yield request
