"""Feeds: RSS and Atom. Every item dated in the window (or undated) is fetched: a feed is the
outlet's own selection and its summaries are too short to judge, so the relevance stage decides."""

from __future__ import annotations

from scrapy.http import Response

from spiders.base import DiscoverySpider
from spiders.xmldocs import DocumentError, parse_xml, read_feed


class FeedsMixin:
    def feed_requests(self):
        for source in self.collection.feeds:
            request = self.source_request(source.url, self.parse_feed, "feed")
            if request is not None:
                yield request

    def parse_feed(self, response: Response):
        self.note_source(response)
        limit = self.settings.getint("DISCOVERY_MAX_DOCUMENT_BYTES")
        try:
            entries = read_feed(parse_xml(response.body, limit))
        except DocumentError as exc:
            self.failures[response.url] = f"feed: {exc}"
            self.count("feed/bad")
            self.logger.warning("feed %s: %s", response.url, exc)
            return
        start, end = self.collection.window_start, self.collection.window_end
        self.count("feed/read")
        for entry in entries:
            when = entry.published
            if when and ((start and when < start) or (end and when > end)):
                self.count("feed/skipped_out_of_window")
                continue
            request = self.candidate(response.urljoin(entry.url), "feed", response.url)
            if request is not None:
                yield request


class FeedSpider(FeedsMixin, DiscoverySpider):
    """``scrapy crawl feeds``: the collection's [[feeds]] alone."""

    name = "feeds"

    async def start(self):
        for request in self.feed_requests():
            yield request
