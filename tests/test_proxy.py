"""`crawl --proxy` as a setting: every http(s) request through it, ahead of the environment's proxies."""

from __future__ import annotations

import pytest
from scrapy import Request, Spider
from scrapy.downloadermiddlewares.httpproxy import HttpProxyMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from pipeline.run.proxy import ArchiveProxyMiddleware

PROXY = "http://alice:s3cret@127.0.0.1:3128"


def test_without_a_proxy_the_middleware_is_off():
    with pytest.raises(NotConfigured):
        ArchiveProxyMiddleware.from_crawler(get_crawler(Spider, {"ARCHIVE_PROXY": ""}))


def test_every_http_request_goes_through_the_proxy_with_its_credentials():
    crawler = get_crawler(Spider, {"ARCHIVE_PROXY": PROXY})
    ours, scrapys = ArchiveProxyMiddleware.from_crawler(crawler), HttpProxyMiddleware.from_crawler(crawler)
    for url in ("http://www.bitwire.test/", "https://127.0.0.1:8443/", "http://localhost/"):
        request = Request(url)
        ours.process_request(request)
        scrapys.process_request(request)
        assert request.meta["proxy"] == "http://127.0.0.1:3128", url
        assert request.headers[b"Proxy-Authorization"] == b"Basic YWxpY2U6czNjcmV0"


def test_a_request_that_names_its_proxy_keeps_it():
    middleware = ArchiveProxyMiddleware(PROXY)
    direct = Request("http://www.bitwire.test/", meta={"proxy": None})
    data = Request("data:,hello")
    for request in (direct, data):
        middleware.process_request(request)
    assert direct.meta["proxy"] is None
    assert "proxy" not in data.meta
