"""Scrapy settings of the archive. Project settings first, then one prefix per feature (A–Z).

`python -m pipeline crawl` overrides DATABASE_URL, ARCHIVE_COLLECTION and ARCHIVE_WARC_DIR per run.
"""

import os

from pipeline.paths import warc_dir
from pipeline.stages import item_pipelines

BOT_NAME = "incident-archive"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# Politeness for the live web.
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
RETRY_TIMES = 2
USER_AGENT = "incident-archive/0.1 (+research web archive; see collection contact)"
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
# A page without an article is one log line (its URL and why), not the item dumped with its body.
LOG_FORMATTER = "pipeline.run.logs.OneLineDrops"
# Outputs of one response handled at once. A page gives one item and its links; Scrapy makes this
# many asyncio tasks per response whatever it gives (100 by default: a tenth of the crawl's CPU).
CONCURRENT_ITEMS = 8
# Scrapy's check that a generator callback returns no value parses the callback's source again
# whenever its cache (keyed by bound method, weakly) misses, which requests restored from JOBDIR
# make happen often: up to a tenth of the crawl's CPU. A development aid, for callbacks that the
# test suite runs anyway.
WARN_ON_GENERATOR_RETURN_VALUE = False

DOWNLOADER_MIDDLEWARES = {
    # Above HttpCompressionMiddleware (590) and RedirectMiddleware (600): raw bytes, every hop.
    "warc.middleware.WarcCaptureMiddleware": 950,
    # Between the capture (950, so every 429 is archived) and RetryMiddleware (550): waits first.
    "pipeline.run.retryafter.RetryAfterMiddleware": 560,
    # Before HttpProxyMiddleware (750), which applies the proxy it names.
    "pipeline.run.proxy.ArchiveProxyMiddleware": 740,
}

ITEM_PIPELINES = item_pipelines()  # extract, normalize, relevance, dedupe, store (pipeline/stages.py)

ARCHIVE_COLLECTION = "sony-hack-2014"
# What the corpus holds of a URL (revisit records, conditional re-fetches); "" asks nothing.
ARCHIVE_CORPUS_LOOKUP = "pipeline.store.lookup.CorpusLookup"
ARCHIVE_DB_BATCH_SIZE = 50
ARCHIVE_EXTRACT_FAVOR = "balanced"  # or "precision" / "recall" (trafilatura's trade-off)
# CPU seconds a worker may spend on one page before it is replaced (0: no limit): far above what even
# a page of several MB needs.
ARCHIVE_EXTRACT_MAX_SECONDS = 120.0
# Processes that extract articles off the reactor thread (extract/pool.py); 0: on the reactor thread.
ARCHIVE_EXTRACT_WORKERS = os.cpu_count() or 1
# A distributed crawl (pipeline/run/frontier.py): seconds between a worker's heartbeats (one missing
# for three of them counts as dead), and the run's Redis key prefix (set per run; empty: not distributed).
ARCHIVE_FRONTIER_HEARTBEAT = 10.0
ARCHIVE_FRONTIER_PREFIX = ""
# Outlet display names by registered domain, where og:site_name is missing or unhelpful.
ARCHIVE_OUTLET_NAMES: dict[str, str] = {}
# Every http(s) request through this proxy (`crawl --proxy`), whatever http_proxy and no_proxy say;
# empty: Scrapy's proxies from the environment (pipeline/run/proxy.py).
ARCHIVE_PROXY = ""
ARCHIVE_RETRY_AFTER_BACKOFF = 1.0  # 429/503 without Retry-After: wait 1, 2, 4 ... s between tries
ARCHIVE_RETRY_AFTER_MAX = 120  # seconds; a server asking for longer is given up on for this run
ARCHIVE_WARC_DIR = str(warc_dir())
ARCHIVE_WARC_ENABLED = True
# gzip level of each WARC record (one gzip member per record): 5 stores nearly what 6 and 9 store for
# less of the writer process's CPU (docs/performance.md); a body the server already compressed is
# stored as it is (level 0).
ARCHIVE_WARC_GZIP_LEVEL = 5
ARCHIVE_WARC_INFO: dict[str, str] = {}
ARCHIVE_WARC_MAX_BYTES = 1_000_000_000
ARCHIVE_WARC_PREFIX = "ARCHIVE"

DATABASE_URL = os.environ.get("DATABASE_URL", "")

# Web-archive hosts (CDX servers, replay, Common Crawl data): one request at a time, this many
# seconds apart; a 429/503 pauses the whole host (spiders/archivehosts.py, pipeline/run/retryafter.py).
DISCOVERY_ARCHIVE_DELAY = 1.0
# The collection's keywords ([collection] keywords): discovered pages must be on this topic.
DISCOVERY_KEYWORDS: list[str] = []
DISCOVERY_CDX_PAGE_ROWS = 1000  # rows per Wayback CDX request; a pattern's cap is its `limit`
# Sitemaps, feeds, CDX answers (also after gunzip); the sitemaps.org limit is 50 MB uncompressed, news
# sitemaps are small.
DISCOVERY_MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
DISCOVERY_MIN_SCORE = 1.0  # page relevance below this keeps a page out of the corpus ([links] min_score)
DISCOVERY_RELEVANCE_ENABLED = True

# The Redis server of `crawl --workers` when neither --redis nor the REDIS_URL variable names one.
REDIS_URL = "redis://127.0.0.1:6379/0"
