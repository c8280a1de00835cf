"""Every request of the crawl through one proxy (``crawl --proxy``), named by ``ARCHIVE_PROXY``.

Scrapy's HttpProxyMiddleware (750) takes its proxies from the environment when the crawler is
built; a proxy given in a setting instead leaves the process's environment as it found it, and
holds for this crawl alone. This middleware puts it in ``request.meta["proxy"]``, which
HttpProxyMiddleware then applies (credentials in the URL included) before any environment proxy
and without consulting ``no_proxy``: loopback and every other host go through it too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured
from scrapy.utils.httpobj import urlparse_cached

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request

PROXIED_SCHEMES = frozenset({"http", "https"})  # those an http(s)_proxy variable covers


class ArchiveProxyMiddleware:
    def __init__(self, proxy: str) -> None:
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveProxyMiddleware:
        proxy = crawler.settings.get("ARCHIVE_PROXY")
        if not proxy:
            raise NotConfigured("ARCHIVE_PROXY not set")
        return cls(proxy)

    def process_request(self, request: Request) -> None:
        # A request that names its own proxy (or None: none) keeps it.
        if "proxy" not in request.meta and urlparse_cached(request).scheme in PROXIED_SCHEMES:
            request.meta["proxy"] = self.proxy
