"""What every discovery source shares: a seen-URL filter before any request is built, discovery
meta (how and from where a URL was found), the archived copy as fallback when the live page is
gone, and focused link following from every fetched page."""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure
from w3lib.url import canonicalize_url

from pipeline.normalize.forms import outlet_domain
from pipeline.relevance import Keywords
from pipeline.signals import capture_noted, source_note
from spiders.archivehosts import ARCHIVE_HOST_META, archive_hosts, install_archive_slots
from spiders.fallback import SoftNotFoundMixin
from spiders.pages import ORIGINAL_URL
from spiders.seeds import SeedSpider, failure_reason
from warc.middleware import CAPTURE_RECORD, PAGE_LINKS
from warc.outlinks import PageLinks, absolute_link, link_origin, page_links, response_root

ARCHIVE_COPY = "archive_copy"  # meta: where to fetch the page from if the live one fails
_SKIPPED = tuple(f".{ext}" for ext in IGNORED_EXTENSIONS) + (".xml", ".rss", ".gz")
# An http(s) URL and its path, as urlsplit finds them in a URL absolute_link made (one C call).
_HTTP_PATH = re.compile(r"https?://[^/?#]*([^?#]*)", re.IGNORECASE)
# Links passed over on earlier pages that are remembered (as hashes) before the memory is cleared.
MAX_PASSED_OVER = 200_000


def url_hash(url: str) -> int:
    """8 bytes of BLAKE2b of a URL: what the seen set keeps instead of the URL (~5x less memory)."""
    digest = hashlib.blake2b(url.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


class DiscoverySpider(SoftNotFoundMixin, SeedSpider):
    """The seed spider plus the shared machinery of the discovery sources (no name: not run alone)."""

    name = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Hashes (url_hash) of every URL claimed in this run, in canonical form and as linked.
        self.seen: set[int] = set()
        self.keywords = Keywords.of(self.collection.keywords)
        self.per_outlet: dict[str, int] = {}
        self.known_domains = {outlet_domain(s.url) for s in self.collection.seeds}
        # Links no later page can make worth following (see follow_links), and how many outlets
        # were known when they were judged.
        self.passed_over: set[int] = set()
        self.passed_over_outlets = 0
        self.archive_hosts = archive_hosts(self.collection)
        # Per host, the words of its answer for an address it does not have (None: an error), and
        # the live pages waiting for it (see spiders/fallback.py).
        self.generic_pages: dict[str, tuple | None] = {}
        self.waiting_for_probe: dict[str, list[Response]] = {}

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        install_archive_slots(crawler, spider.archive_hosts)
        return spider

    def polite(self, request: scrapy.Request) -> scrapy.Request:
        """An archive host's request keeps the host's own fixed delay (spiders/archivehosts.py)."""
        if (urlsplit(request.url).hostname or "").lower() in self.archive_hosts:
            request.meta.update(ARCHIVE_HOST_META)
        return request

    def note_source(self, response: Response) -> None:
        """A discovery document is read for its links: its capture says so, and is no article."""
        self.crawler.signals.send_catch_log(
            capture_noted,
            capture_record_id=response.meta.get(CAPTURE_RECORD),
            note=source_note(response.meta.get("discovery_source") or "source"),
        )

    def count(self, key: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(key, n)

    def claim(self, url: str) -> bool:
        """True the first time a URL is asked for: ~80 known links a page cost more in the
        dupefilter than the fetch, so they never become requests.

        A URL is the same as another when their canonical forms (w3lib, as Scrapy's dupefilter
        keys them) are; the form it was linked as is remembered too, so that the next page's copy
        of a link is known by `seen_link` without canonicalizing it again.
        """
        as_linked = url_hash(url)
        if as_linked in self.seen:
            return False
        canonical = canonicalize_url(url, keep_fragments=False)
        key = as_linked if canonical == url else url_hash(canonical)
        first = key not in self.seen
        self.seen.add(key)
        self.seen.add(as_linked)
        return first

    def seen_link(self, url: str) -> bool:
        """Whether a URL, exactly as linked, was claimed in this run: a set lookup, no parsing."""
        return url_hash(url) in self.seen

    async def start(self):
        for seed in self.collection.seeds:
            self.claim(seed.url)
            request = self.request_for(seed.url)
            if request is not None:
                yield request

    def source_request(self, url: str, callback, via: str, **meta: Any) -> scrapy.Request | None:
        """A request for a discovery document (sitemap, feed, reference page, index query)."""
        if not self.claim(url):
            return None
        meta.setdefault("discovered_via", via)
        meta.setdefault("discovered_from", self.collection.path.name)
        meta.setdefault("discovery_source", via)  # in the WARC metadata record, for reprocess
        request = scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta, dont_filter=True)
        return self.polite(request)

    def candidate(
        self,
        url: str,
        via: str,
        source: str,
        *,
        depth: int = 0,
        score: float = 0.0,
        archive_copy: str | None = None,
    ) -> scrapy.Request | None:
        """A request for a page that may be an article, found by ``via`` on ``source``."""
        if urlsplit(url).scheme not in ("http", "https") or not self.claim(url):
            return None
        self.known_domains.add(outlet_domain(url))
        request = self.request_for(url)
        if request is None:
            return None
        request.meta.update(discovered_via=via, discovered_from=source, link_depth=depth)
        if archive_copy:
            request.meta[ARCHIVE_COPY] = archive_copy
            # claimed here already; and a redirect to a front page that other dead links reach
            # too must not be dropped as a duplicate before it can be judged (spiders/fallback.py)
            request = request.replace(dont_filter=True)
        self.count(f"discovery/{via}")
        return request.replace(errback=self.on_candidate_error, priority=int(score * 10) - depth)

    def archive_request(self, archive_url: str, original: str, via: str, source: str) -> scrapy.Request:
        meta = {"discovered_via": via, "discovered_from": source, ORIGINAL_URL: original, "link_depth": 0}
        self.count("discovery/archive_copies")
        return self.polite(
            scrapy.Request(archive_url, callback=self.parse_page, errback=self.on_error, meta=meta)
        )

    def on_candidate_error(self, failure: Failure):
        """A live page that failed (gone, 404/410, DNS) is taken from its archived copy, if known;
        one that robots.txt forbids is not."""
        self.on_error(failure)
        request = failure.request
        copy = request.meta.get(ARCHIVE_COPY)
        forbidden = failure.check(IgnoreRequest) and not failure.check(HttpError)  # robots.txt
        if copy and not forbidden and self.claim(copy):
            self.count("discovery/fallback_dead")
            log_reason = failure_reason(failure)
            self.logger.info("taking %s from the archive (%s): %s", request.url, log_reason, copy)
            yield self.archive_request(
                copy, request.url, request.meta["discovered_via"], request.meta["discovered_from"]
            )

    def parse_page(self, response: Response):
        original = response.meta.get(ORIGINAL_URL)
        copy = response.meta.get(ARCHIVE_COPY)
        if copy and not original:  # a live page with an archived copy: is it the article?
            instead = self.live_verdict(response, copy)
            if instead is not None:
                yield from instead
                return
        for item in super().parse_page(response):  # page_item: the original URL's article
            if original:
                self.failures.pop(original, None)  # recovered: no longer a failed URL
            yield item
        if isinstance(response, TextResponse) and response.status == 200:
            yield from self.follow_links(response)

    # focused link following
    def follow_links(self, response: TextResponse):
        policy = self.collection.links
        depth = response.meta.get("link_depth", 0)
        if policy is None or depth >= policy.depth or not self.keywords.phrases:
            return
        links = response.meta.pop(PAGE_LINKS, None) or self._read_links(response)
        if links is None:  # a JSON or plain-text body: no links
            return
        if response.meta.get("discovered_via") != "seeds":  # curated pages need no score
            if self.keywords.page_score(links.title, links.text) < policy.min_score:
                self.count("links/off_topic_pages")
                return
        base = response.meta.get(ORIGINAL_URL) or response.url
        base_parts = urlsplit(base)
        origin, base_path = link_origin(base_parts), base_parts.path
        self._forget_passed_over_when_outlets_change()
        passed_over = self.passed_over
        settled: set[str] = set()  # hrefs no other anchor text can make worth following
        for href, anchor_text in links.anchors:
            if href in settled:  # navigation repeats a page's links
                continue
            # A name for the link that holds on every page (the href, with the origin when it is
            # root-relative): navigation and share links repeat across an outlet's pages.
            memo = hash((origin, href)) if href[:1] == "/" else hash(href) if href[:4] == "http" else None
            if memo in passed_over:
                settled.add(href)
                continue
            if not self.keywords.link_may_score(anchor_text, href, base_path):
                continue  # link_score would be 0: not worth joining the URL
            try:
                url = absolute_link(base, origin, href)  # = urljoin(base, href) without the fragment
                if self.seen_link(url):  # most of a page's links, from its second page on
                    self._pass_over(settled, href, memo)
                    continue
            except ValueError:  # "http://[bad": no URL to follow
                self._pass_over(settled, href, memo)
                continue
            http = _HTTP_PATH.match(url)
            domain = outlet_domain(url) if http else None
            if domain not in self.known_domains or http[1].lower().endswith(_SKIPPED):
                self._pass_over(settled, href, memo)
                continue
            worded = hash((memo, anchor_text)) if memo is not None else None
            if worded in passed_over:
                continue
            score = self.keywords.link_score(url, anchor_text)
            if score < 1:
                if worded is not None:
                    passed_over.add(worded)
                continue
            if self.per_outlet.get(domain, 0) >= policy.per_outlet:
                self.count("links/outlet_limit")
                continue
            request = self.candidate(url, "links", base, depth=depth + 1, score=score)
            if request is not None:
                self.per_outlet[domain] = self.per_outlet.get(domain, 0) + 1
                yield request

    @staticmethod
    def _read_links(response: TextResponse) -> PageLinks | None:
        """The page's links read here, when the WARC writer did not read them (capture off, a page
        it does not parse): from lxml's own results, not parsel Selectors, whose one per text node
        or link costs more than the rest of the work on it."""
        root = response_root(response)
        return page_links(root) if root is not None else None

    def _pass_over(self, settled: set[str], href: str, memo: int | None) -> None:
        """Remembers a link that is claimed already, malformed, off the known outlets, or a file:
        on this page by its href, and on later pages by `memo` (its page-independent hash)."""
        settled.add(href)
        if memo is not None:
            self.passed_over.add(memo)

    def _forget_passed_over_when_outlets_change(self) -> None:
        """A link off the known outlets may be on one now; and the memory stays bounded."""
        if len(self.known_domains) != self.passed_over_outlets or len(self.passed_over) > MAX_PASSED_OVER:
            self.passed_over.clear()
            self.passed_over_outlets = len(self.known_domains)
