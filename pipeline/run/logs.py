"""Logging for unattended runs: a rotating log file per collection, and no tracebacks for the
network failures that are normal on the live web."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from scrapy.logformatter import LogFormatter

from pipeline.paths import data_dir

LOG_FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"
MAX_BYTES = 10 * 1024 * 1024
BACKUPS = 5


class DropNetworkTraceback(logging.Filter):
    """Log the message of an expected network failure, not its traceback."""

    EXPECTED_MODULES = ("twisted.internet.error", "twisted.web._newclient", "scrapy.exceptions")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is not None:
            if record.exc_info[0].__module__ in self.EXPECTED_MODULES:
                record.exc_info = None
                record.exc_text = None
        return True


def log_path(collection: str) -> Path:
    return data_dir() / "logs" / f"{collection}.log"


def install_run_log(collection: str, level: str = "INFO") -> Path:
    """Append this run's log to var/logs/<collection>.log (rotated at 10 MB, 5 kept).

    The file keeps at least INFO: a quiet console (--log-level WARNING) loses no detail there."""
    path = log_path(collection)
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    numeric = logging.getLevelName(str(level).upper())
    handler.setLevel(min(numeric, logging.INFO) if isinstance(numeric, int) else logging.INFO)
    handler.addFilter(DropNetworkTraceback())
    logging.getLogger().addHandler(handler)
    return path


def quiet_network_tracebacks() -> None:
    """Scrapy (re)installs its console handler when a crawl starts: filter it from then on."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(DropNetworkTraceback())


class OneLineDrops(LogFormatter):
    """A page that holds no article is one line (its URL and why), not the whole item dumped, and
    progress rather than a warning: it is an expected outcome, kept in captures.note as well."""

    def dropped(self, item, exception, response, spider):
        entry = super().dropped(item, exception, response, spider)
        if getattr(exception, "log_level", None) is None:
            entry["level"] = logging.INFO
        url = getattr(item, "url", None) or (item.get("url") if isinstance(item, dict) else None)
        if url is None and response is not None:
            url = getattr(response, "url", None)
        entry["msg"] = "no article: %(url)s (%(reason)s)"
        entry["args"] = {"url": url or "?", "reason": str(exception) or type(exception).__name__}
        return entry
