"""The seed spider: fetches the collection's curated article URLs."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from pipeline.collection import Collection, load_collection
from pipeline.items import PageItem
from warc.middleware import CAPTURE_RECORD, FETCH_STARTED, LOCATION

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

    async def start(self):
        for seed in self.collection.seeds:
            yield scrapy.Request(
                seed.url,
                callback=self.parse_page,
                errback=self.on_error,
                meta={"discovered_via": "seeds", "discovered_from": str(self.collection.path.name)},
            )

    def parse_page(self, response: Response):
        self.crawler.stats.inc_value("pages/fetched")
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("pages/not_text")
            return
        location = response.meta.get(LOCATION)
        if location is None:  # WARC capture disabled: nothing to point provenance at
            self.crawler.stats.inc_value("pages/not_archived")
            return
        yield PageItem(
            url=response.url,
            body=response.body,
            encoding=response.encoding,
            fetched_at=response.meta.get(FETCH_STARTED) or dt.datetime.now(dt.UTC),
            warc=location,
            capture_record_id=response.meta.get(CAPTURE_RECORD),
            discovered_via=response.meta.get("discovered_via", "seeds"),
            discovered_from=response.meta.get("discovered_from"),
        )

    def on_error(self, failure: Failure) -> None:
        url = failure.request.url if getattr(failure, "request", None) else "?"
        reason = failure_reason(failure)
        self.failures[url] = reason
        self.crawler.stats.inc_value("pages/failed")
        log.warning("failed %s: %s", url, reason)
