"""Failed fetches by kind: one summary line per kind instead of one console line per request.

Offline, every request of a crawl fails the same way; hundreds of identical ERROR lines would bury
the summary. The log file keeps each line; the console shows the counts at the end."""

from __future__ import annotations

import logging
from collections import Counter

# Exception class name (Scrapy's or Twisted's) -> what an operator reads.
KINDS = {
    "CannotResolveHostError": "DNS lookup failed (no network?)",
    "DNSLookupError": "DNS lookup failed (no network?)",
    "NoRouteError": "no route to host (no network?)",
    "DownloadConnectionRefusedError": "connection refused",
    "ConnectionRefusedError": "connection refused",
    "DownloadTimeoutError": "timed out",
    "TimeoutError": "timed out",
    "TCPTimedOutError": "timed out",
    "TunnelError": "the proxy refused the connection",
}
EXCEPTION_STAT = "downloader/exception_type_count/"
# Scrapy's per-request failure lines (retry given up, robots.txt not fetched); the spiders mark theirs.
REQUEST_FAILURE_MESSAGES = ("Gave up retrying ", "Error downloading ")
FETCH_FAILURE = "fetch_failure"  # `extra={FETCH_FAILURE: True}` on a spider's failed-fetch record


def kind(exception_name: str) -> str:
    return KINDS.get(exception_name.rpartition(".")[2], exception_name.rpartition(".")[2])


def failed_requests(stats: dict) -> Counter[str]:
    """Requests that got no response, by kind, from Scrapy's downloader stats (retries count)."""
    counts: Counter[str] = Counter()
    for key, value in stats.items():
        if key.startswith(EXCEPTION_STAT):
            counts[kind(key[len(EXCEPTION_STAT):])] += int(value)
    return counts


def summary_lines(counts: Counter[str]) -> list[str]:
    return [f"{n} requests failed: {what}" for what, n in counts.most_common()]


class HideRequestFailures(logging.Filter):
    """Keeps one request's failure off the console (the summary counts it; the log file has it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, FETCH_FAILURE, False):
            return False
        return not (
            record.name.startswith("scrapy.")
            and isinstance(record.msg, str)
            and record.msg.startswith(REQUEST_FAILURE_MESSAGES)
        )


def hide_request_failures_on_console() -> None:
    """Filters the console handlers Scrapy installed (not the run's log file)."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler):
            if not any(isinstance(f, HideRequestFailures) for f in handler.filters):
                handler.addFilter(HideRequestFailures())
