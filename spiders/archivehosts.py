"""Politeness for web-archive hosts (the CDX servers, replay and the Common Crawl data host): one
request at a time, ``DISCOVERY_ARCHIVE_DELAY`` seconds apart, a delay AutoThrottle leaves alone
(an archive's fast answers would otherwise shrink it to nothing), and, through
pipeline/run/retryafter.py, a 429 or 503 pauses the whole host for its Retry-After. Archives
rate-limit per client, not per URL: one slot per host is what they count."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from pipeline.collection import Collection

# Request meta of every request to an archive host: AutoThrottle keeps its hands off the delay.
ARCHIVE_HOST_META = {"autothrottle_dont_adjust_delay": True}
# The public web archives that citations link to (spiders/references.py reads their copies).
ARCHIVE_HOSTS = (
    "web.archive.org", "archive.org", "archive.today", "archive.is", "archive.ph", "webcitation.org",
)


def archive_hosts(collection: Collection) -> frozenset[str]:
    """The hosts of the collection's archive sources, and the public archives citations link to."""
    urls = [s.cdx for s in collection.archives]
    urls += [u for s in collection.commoncrawl for u in (s.index, s.data)]
    hosts = {(urlsplit(u).hostname or "").lower() for u in urls}
    return frozenset((hosts | set(ARCHIVE_HOSTS)) - {""})


def archive_slots(hosts: frozenset[str], delay: float) -> dict[str, dict]:
    """``DOWNLOAD_SLOTS`` entries: one request at a time, ``delay`` apart, no jitter."""
    return {host: {"concurrency": 1, "delay": delay, "jitter": 0} for host in sorted(hosts)}


def install_archive_slots(crawler: Crawler, hosts: frozenset[str]) -> None:
    """Adds the archive hosts' slots to ``DOWNLOAD_SLOTS`` before the downloader reads it (the
    spider is made before the crawler's settings are frozen); a slot the settings already name
    for a host stays as it is."""
    settings = crawler.settings
    if settings.frozen:
        return
    delay = settings.getfloat("DISCOVERY_ARCHIVE_DELAY")
    slots = archive_slots(hosts, delay)
    slots.update(settings.getdict("DOWNLOAD_SLOTS"))
    settings.set("DOWNLOAD_SLOTS", slots, priority="spider")
