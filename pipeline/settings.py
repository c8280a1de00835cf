"""Scrapy settings of the archive. Project settings first, then one prefix per feature (A–Z).

`python -m pipeline crawl` overrides DATABASE_URL, ARCHIVE_COLLECTION and ARCHIVE_WARC_DIR per run.
"""

import os

from pipeline.paths import warc_dir

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

DOWNLOADER_MIDDLEWARES = {
    # Above HttpCompressionMiddleware (590) and RedirectMiddleware (600): raw bytes, every hop.
    "warc.middleware.WarcCaptureMiddleware": 950,
}

ITEM_PIPELINES = {
    "pipeline.extract.ExtractPipeline": 300,
    "pipeline.normalize.NormalizePipeline": 350,
    "pipeline.dedupe.ExactDedupePipeline": 400,
    "pipeline.store.PostgresPipeline": 800,
}

ARCHIVE_COLLECTION = "sony-hack-2014"
ARCHIVE_DB_BATCH_SIZE = 50
ARCHIVE_EXTRACT_FAVOR = "balanced"  # or "precision" / "recall" (trafilatura's trade-off)
# Outlet display names by registered domain, where og:site_name is missing or unhelpful.
ARCHIVE_OUTLET_NAMES: dict[str, str] = {}
ARCHIVE_WARC_DIR = str(warc_dir())
ARCHIVE_WARC_ENABLED = True
ARCHIVE_WARC_GZIP_LEVEL = 6
ARCHIVE_WARC_INFO: dict[str, str] = {}
ARCHIVE_WARC_MAX_BYTES = 1_000_000_000
ARCHIVE_WARC_PREFIX = "ARCHIVE"

DATABASE_URL = os.environ.get("DATABASE_URL", "")
