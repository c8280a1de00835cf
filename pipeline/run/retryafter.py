"""Honour ``Retry-After`` on 429 and 503 before Scrapy's RetryMiddleware retries.

A throttled site that is hammered again at once stays throttled (or bans the crawler), so a 429 or
503 waits for what the server asked (``Retry-After`` in seconds or as an HTTP date), or backs off
exponentially when it did not say. The wait is a timer on the reactor, never a blocking sleep, and
is bounded by ``ARCHIVE_RETRY_AFTER_MAX``: a server asking for longer is given up on at once, with a
reason saying so, rather than stalling an unattended run. The retry itself (counting, giving up
after ``RETRY_TIMES``) stays with RetryMiddleware (550); this one sits between it and the WARC
capture (950), so every 429 is archived before anything here looks at it.

A server that throttles counts every request of the client, so the wait holds for the whole host:
when the 429 arrives (``response_downloaded``, before the downloader sends the host's next queued
request) the host's download slot is paused for as long, and whatever was queued for it waits too.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

log = logging.getLogger(__name__)

STATUSES = frozenset({429, 503})
TICK = 0.25  # how often a wait checks whether the crawl is shutting down


class RetryAfterTooLong(IgnoreRequest):
    """The server asked for a longer wait than ARCHIVE_RETRY_AFTER_MAX allows."""


def retry_after_seconds(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` value asks for (never negative), or None when it says nothing usable."""
    text = (value or "").strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


class RetryAfterMiddleware:
    def __init__(self, crawler: Crawler, max_wait: float, backoff: float) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.max_wait = max_wait
        self.backoff = backoff
        self.retry_times = settings.getint("RETRY_TIMES")
        self.codes = STATUSES & {int(c) for c in settings.getlist("RETRY_HTTP_CODES")}
        self.paused_until: dict[str, float] = {}  # download slot -> monotonic time it may resume
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        settings = crawler.settings
        if not settings.getbool("RETRY_ENABLED"):
            raise NotConfigured("RETRY_ENABLED is off: nothing is retried, so nothing waits")
        return cls(
            crawler,
            max_wait=settings.getfloat("ARCHIVE_RETRY_AFTER_MAX"),
            backoff=settings.getfloat("ARCHIVE_RETRY_AFTER_BACKOFF"),
        )

    def _inc(self, key: str, count: float = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)

    def _asked_wait(self, request: Request, response: Response) -> tuple[float, float | None]:
        """(seconds to wait, what Retry-After asked or None): the header, else the backoff."""
        header = response.headers.get("Retry-After")
        asked = retry_after_seconds(header.decode("latin-1") if header else None)
        if asked is None:
            return min(self.backoff * 2 ** request.meta.get("retry_times", 0), self.max_wait), None
        return asked, asked

    def response_downloaded(self, response: Response, request: Request) -> None:
        """Pauses the response's host for the wait it asked for, before its next request goes."""
        if response.status not in self.codes:
            return
        wait, _ = self._asked_wait(request, response)
        key = request.meta.get("download_slot")
        engine = getattr(self.crawler, "engine", None)
        if wait <= 0 or wait > self.max_wait or key is None or engine is None:
            return
        downloader = engine.downloader
        slot = downloader.slots.get(key)
        until = time.monotonic() + wait
        if slot is None or self.paused_until.get(key, 0) >= until:
            return
        self.paused_until[key] = until
        # The downloader sends nothing from a slot while its latercall is pending; this one
        # resumes it as the downloader's own delay timer does.
        if slot.latercall:
            slot.latercall.cancel()
        slot.latercall = call_later(wait, downloader._latercall, slot)
        self._inc("retry_after/host_pauses")
        log.info("HTTP %d from %s: no request to it for %.1f s", response.status, key, wait)

    async def process_response(self, request: Request, response: Response) -> Response:
        if response.status not in self.codes or request.meta.get("dont_retry"):
            return response
        retries = request.meta.get("retry_times", 0)
        if retries >= request.meta.get("max_retry_times", self.retry_times):
            return response  # RetryMiddleware gives up: the URL fails as "HTTP 429"
        wait, asked = self._asked_wait(request, response)
        if asked is not None and asked > self.max_wait:
            self._inc("retry_after/too_long")
            raise RetryAfterTooLong(
                f"HTTP {response.status} with Retry-After {asked:.0f} s, longer than "
                f"ARCHIVE_RETRY_AFTER_MAX ({self.max_wait:g} s): not retried"
            )
        log.info("HTTP %d for %s: waiting %.1f s before retrying", response.status, request.url, wait)
        self._inc("retry_after/waits")
        self._inc("retry_after/seconds", wait)
        await self._wait(wait)
        return response

    async def _wait(self, seconds: float) -> None:
        """Wait on the reactor in short ticks, cut short when the crawl is being stopped."""
        from twisted.internet import reactor

        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0 and getattr(self.crawler, "crawling", True):
            await maybe_deferred_to_future(deferLater(reactor, min(left, TICK), lambda: None))
