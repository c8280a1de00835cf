"""Sitemaps: robots.txt ``Sitemap:`` lines, sitemap indexes, date-partitioned and news sitemaps.

An entry is kept when its date is in the collection's window and its URL or news title names a
keyword (as Scrapy's ``SitemapSpider.sitemap_filter`` would). A news sitemap's publication date
must be in the window; a plain ``lastmod`` only has to be on or after its start, because sites
re-stamp old articles on every redesign and a 2014 article often says ``lastmod`` 2019.
"""

from __future__ import annotations

import datetime as dt
import re

from scrapy.http import Response

from spiders.base import DiscoverySpider
from spiders.xmldocs import DocumentError, Entry, parse_xml, read_sitemap

_MONTH_IN_URL = re.compile(r"(?<!\d)(20\d\d|19\d\d)[-_/]?(0[1-9]|1[0-2])(?!\d)")


def month_outside(url: str, start: dt.date | None, end: dt.date | None) -> bool:
    """A date-partitioned sitemap (``sitemap-2014-10.xml``) whose month misses the window."""
    m = _MONTH_IN_URL.search(url.rsplit("/", 1)[-1])
    if not m:
        return False
    year, month = int(m[1]), int(m[2])
    first = dt.date(year, month, 1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return bool((end and first > end) or (start and last < start))


def in_window(entry: Entry, start: dt.date | None, end: dt.date | None) -> bool:
    if entry.published is not None:
        return not ((start and entry.published < start) or (end and entry.published > end))
    if entry.lastmod is not None:
        return not (start and entry.lastmod < start)
    return True  # undated: the keywords decide


class SitemapsMixin:
    """Callbacks and start requests of the sitemap source (used by SitemapSpider and CollectionSpider)."""

    def sitemap_requests(self):
        for source in self.collection.sitemaps:
            if source.url.endswith("/robots.txt"):
                request = self.source_request(source.url, self.parse_robots_sitemaps, "sitemap")
            else:
                request = self.source_request(source.url, self.parse_sitemap, "sitemap")
            if request is not None:
                yield request

    def parse_robots_sitemaps(self, response: Response):
        self.note_source(response)
        for line in response.text.splitlines() if hasattr(response, "text") else ():
            name, _, value = line.partition(":")
            if name.strip().lower() == "sitemap" and value.strip():
                url = response.urljoin(value.strip())
                request = self.source_request(url, self.parse_sitemap, "sitemap")
                if request is not None:
                    yield request

    def parse_sitemap(self, response: Response):
        self.note_source(response)
        limit = self.settings.getint("DISCOVERY_MAX_DOCUMENT_BYTES")
        try:
            kind, entries = read_sitemap(parse_xml(response.body, limit))
        except DocumentError as exc:
            self.failures[response.url] = f"sitemap: {exc}"
            self.count("sitemap/bad")
            self.logger.warning("sitemap %s: %s", response.url, exc)
            return
        start, end = self.collection.window_start, self.collection.window_end
        self.count("sitemap/read")
        for entry in entries:
            if kind == "index":
                stale = entry.lastmod and start and entry.lastmod < start
                if stale or month_outside(entry.url, start, end):
                    self.count("sitemap/skipped_out_of_window")
                    continue
                request = self.source_request(entry.url, self.parse_sitemap, "sitemap")
            elif not in_window(entry, start, end):
                self.count("sitemap/skipped_out_of_window")
                continue
            elif self.keywords.phrases and self.keywords.link_score(entry.url, entry.title or "") < 1:
                self.count("sitemap/skipped_off_topic")
                continue
            else:
                request = self.candidate(entry.url, "sitemap", response.url)
            if request is not None:
                yield request


class SitemapSpider(SitemapsMixin, DiscoverySpider):
    """``scrapy crawl sitemaps``: the collection's [[sitemaps]] alone."""

    name = "sitemaps"

    async def start(self):
        for request in self.sitemap_requests():
            yield request
