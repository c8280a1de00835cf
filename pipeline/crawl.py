"""Run one crawl of a collection in this process and summarize it for the operator."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

import scrapy
import warcio
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from pipeline.collection import Collection
from pipeline.normalize import outlet_domain
from pipeline.paths import warc_dir
from spiders.seeds import SeedSpider
from warc.index import update_index
from warc.recover import recover_open_files

VERSION = "0.1.0"


@dataclass
class CrawlReport:
    collection: str
    run_id: int | None
    seconds: float
    pages_fetched: int
    responses: int
    failures: dict[str, str]
    articles_new: int
    articles_updated: int
    articles_unchanged: int
    not_articles: int
    warc_files: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """A run fails only when nothing at all could be fetched."""
        return self.pages_fetched > 0

    def render(self) -> str:
        lines = [
            f"Crawl of '{self.collection}' (run {self.run_id}) ended after {self.seconds:.1f} s",
            f"  fetched: {self.pages_fetched} pages ({self.responses} HTTP responses archived)"
            f", failed: {len(self.failures)} URLs",
            f"  articles: {self.articles_new} new, {self.articles_updated} updated, "
            f"{self.articles_unchanged} unchanged; {self.not_articles} pages held no article",
        ]
        for path in self.warc_files:
            size = path.stat().st_size if path.exists() else 0
            lines.append(f"  WARC: {path} ({size / 1e6:.2f} MB)")
        if self.failures:
            lines.append("Failed URLs:")
            width = min(max(len(u) for u in self.failures), 100)
            for url, reason in sorted(self.failures.items()):
                lines.append(f"  {url:<{width}}  {reason}")
        return "\n".join(lines)


def outlet_names(collection: Collection) -> dict[str, str]:
    """Outlet names the collection file gives its seeds, by registered domain."""
    return {outlet_domain(s.url): s.outlet for s in collection.seeds if s.outlet}


def crawl_settings(collection: Collection, database_url: str, log_level: str) -> Settings:
    settings = Settings()
    settings.setmodule("pipeline.settings", priority="project")
    contact = collection.contact or "no contact given"
    settings.setdict(
        {
            "DATABASE_URL": database_url,
            "ARCHIVE_COLLECTION": collection.name,
            "ARCHIVE_WARC_DIR": str(warc_dir() / collection.name),
            "ARCHIVE_WARC_PREFIX": collection.name,
            "ARCHIVE_WARC_INFO": {
                "software": f"incident-archive/{VERSION} (Scrapy {scrapy.__version__}, "
                f"warcio {warcio.__version__ if hasattr(warcio, '__version__') else ''})",
                "format": "WARC File Format 1.1",
                "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
                "warc-format/warc-1.1/",
                "isPartOf": collection.name,
                "description": collection.title,
                "operator": f"{collection.operator} {contact}".strip(),
                "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
                "hostname": socket.gethostname(),
                "http-header-user-agent": settings.get("USER_AGENT"),
            },
            "ARCHIVE_OUTLET_NAMES": outlet_names(collection),
            "USER_AGENT": f"incident-archive/{VERSION} (+{contact})",
            "LOG_LEVEL": log_level,
        },
        priority="cmdline",
    )
    return settings


def run_crawl(
    collection: Collection,
    database_url: str,
    *,
    proxy: str | None = None,
    log_level: str = "INFO",
    overrides: list[tuple[str, str]] = (),
) -> CrawlReport:
    """Crawl the collection's seeds; every fetch goes to WARC, every article to the corpus."""
    if proxy:
        # Scrapy's HttpProxyMiddleware reads these when the crawler starts.
        for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
            os.environ[name] = proxy
        os.environ.pop("no_proxy", None)
        os.environ.pop("NO_PROXY", None)
    settings = crawl_settings(collection, database_url, log_level)
    for recovery in recover_open_files(Path(settings.get("ARCHIVE_WARC_DIR"))):
        print(recovery)  # a previous run was killed: keep its whole records
    for name, value in overrides:
        settings.set(name, value, priority="cmdline")
    process = CrawlerProcess(settings, install_root_handler=True)
    crawler = process.create_crawler(SeedSpider)
    # Scrapy (re)installs its log handler when the crawl starts; filter it from then on.
    crawler.signals.connect(_quiet_network_tracebacks, signal=signals.engine_started)
    started = dt.datetime.now(dt.UTC)
    process.crawl(crawler, collection=collection)
    process.start()
    stats = crawler.stats.get_stats()
    spider = crawler.spider
    directory = Path(settings.get("ARCHIVE_WARC_DIR"))
    if directory.exists():
        update_index(directory)  # the CDXJ index beside the WARCs, for replay and lookups
    return CrawlReport(
        collection=collection.name,
        run_id=stats.get("run/id"),
        seconds=(dt.datetime.now(dt.UTC) - started).total_seconds(),
        pages_fetched=stats.get("pages/fetched", 0),
        responses=stats.get("downloader/response_count", 0),
        failures=dict(getattr(spider, "failures", {})),
        articles_new=stats.get("db/new", 0),
        articles_updated=stats.get("db/updated", 0),
        articles_unchanged=stats.get("db/unchanged", 0),
        not_articles=stats.get("extract/no_article", 0) + stats.get("normalize/too_short", 0),
        warc_files=[directory / name for name in stats.get("warc/files", [])],
    )


class _DropNetworkTraceback(logging.Filter):
    """Network failures are expected on the live web: log their message, not a traceback."""

    EXPECTED_MODULES = ("twisted.internet.error", "twisted.web._newclient", "scrapy.exceptions")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is not None:
            if record.exc_info[0].__module__ in self.EXPECTED_MODULES:
                record.exc_info = None
                record.exc_text = None
        return True


def _quiet_network_tracebacks() -> None:
    for handler in logging.getLogger().handlers:
        handler.addFilter(_DropNetworkTraceback())
