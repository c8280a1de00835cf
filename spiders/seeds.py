"""The seed spider: fetches the collection's curated article URLs."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import scrapy
from scrapy import signals
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from pipeline.collection import Collection, load_collection
from pipeline.run.fetchfailures import FETCH_FAILURE
from pipeline.signals import capture_noted, page_not_modified
from spiders.pages import page_item
from warc.middleware import CAPTURE_RECORD, FETCH_STARTED, LOCATION, REVISIT_OF, corpus_lookup

log = logging.getLogger(__name__)


def failure_reason(failure: Failure) -> str:
    """A short, specific reason for a failed URL: the HTTP status or the network error."""
    if failure.check(HttpError):
        response = failure.value.response
        return f"HTTP {response.status}"
    exc = failure.value
    message = str(exc).strip()
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


class SeedSpider(scrapy.Spider):
    name = "seeds"

    def __init__(self, collection: Collection | str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(collection, Collection):
            collection = load_collection(collection) if collection else load_collection()
        self.collection = collection
        self.failures: dict[str, str] = {}
        self.lookup = None  # what the corpus holds of a URL (from_crawler builds it)

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.lookup = corpus_lookup(crawler)
        crawler.signals.connect(spider.on_request_dropped, signal=signals.request_dropped)
        return spider

    def on_request_dropped(self, request: scrapy.Request) -> None:
        """A redirect back to a URL this chain already visited is dropped by the dupefilter
        without an errback: name the loop among the failed URLs."""
        chain = request.meta.get("redirect_urls") or []
        if request.url in chain:
            self.failures[chain[0]] = "redirect loop: " + " -> ".join([*chain, request.url])[:300]
            self.crawler.stats.inc_value("pages/redirect_loops")

    async def start(self):
        for seed in self.collection.seeds:
            request = self.request_for(seed.url)
            if request is not None:
                yield request

    def request_for(self, url: str) -> scrapy.Request | None:
        """A request for a seed: conditional when the corpus knows the page, None when it is not
        due again under the collection's re-crawl policy."""
        meta = {"discovered_via": "seeds", "discovered_from": str(self.collection.path.name)}
        headers = {}
        previous = self.lookup.last_capture(url) if self.lookup is not None else None
        if previous is not None:
            policy = self.collection.recrawl
            now = dt.datetime.now(dt.UTC)
            if policy and not policy.due(previous.last_fetched, previous.published_at, now):
                self.crawler.stats.inc_value("pages/not_due")
                return None
            if previous.etag:
                headers["If-None-Match"] = previous.etag
            if previous.last_modified:
                headers["If-Modified-Since"] = previous.last_modified
            if headers:
                meta[REVISIT_OF] = previous.location
                meta["handle_httpstatus_list"] = [304]
        return scrapy.Request(
            url, callback=self.parse_page, errback=self.on_error, headers=headers, meta=meta
        )

    def parse_page(self, response: Response):
        self.crawler.stats.inc_value("pages/fetched")
        if response.status == 304:
            self.crawler.stats.inc_value("pages/not_modified")
            self.crawler.signals.send_catch_log(
                page_not_modified,
                url=response.url,
                fetched_at=response.meta.get(FETCH_STARTED) or dt.datetime.now(dt.UTC),
                capture_record_id=response.meta.get(CAPTURE_RECORD),
                original_record_id=response.meta[REVISIT_OF].record_id,
            )
            return
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("pages/not_text")
            content_type = (response.headers.get("Content-Type") or b"none").decode("latin-1")
            self.crawler.signals.send_catch_log(
                capture_noted,
                capture_record_id=response.meta.get(CAPTURE_RECORD),
                note=f"not text (Content-Type: {content_type})",
            )
            return
        location = response.meta.get(LOCATION)
        if location is None:  # WARC capture disabled: nothing to point provenance at
            self.crawler.stats.inc_value("pages/not_archived")
            return
        yield page_item(response)

    def on_error(self, failure: Failure) -> None:
        url = failure.request.url if getattr(failure, "request", None) else "?"
        reason = failure_reason(failure)
        self.failures[url] = reason
        self.crawler.stats.inc_value("pages/failed")
        log.warning("failed %s: %s", url, reason, extra={FETCH_FAILURE: True})  # console: counted
        request = getattr(failure, "request", None)
        if request is not None and request.meta.get(CAPTURE_RECORD):  # archived, then failed
            self.crawler.signals.send_catch_log(
                capture_noted, capture_record_id=request.meta[CAPTURE_RECORD], note=f"failed: {reason}"
            )
