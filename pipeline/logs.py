"""Logging for unattended runs: a rotating log file per collection, and no tracebacks for the
network failures that are normal on the live web."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

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
    """Append this run's log to var/logs/<collection>.log (rotated at 10 MB, 5 kept)."""
    path = log_path(collection)
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.setLevel(level)
    handler.addFilter(DropNetworkTraceback())
    logging.getLogger().addHandler(handler)
    return path


def quiet_network_tracebacks() -> None:
    """Scrapy (re)installs its console handler when a crawl starts: filter it from then on."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(DropNetworkTraceback())
