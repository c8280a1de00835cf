"""Seconds per pipeline stage, as float Scrapy stats `stage_seconds/<stage>`: what a benchmark reads
to see which stage holds a crawl back (the WARC middleware adds `stage_seconds/warc`)."""

from __future__ import annotations

import functools
import time


def stage_key(stage: str) -> str:
    return f"stage_seconds/{stage}"


def add_seconds(stats, stage: str, seconds: float) -> None:
    if stats is not None:
        stats.inc_value(stage_key(stage), seconds)


def timed(stage: str):
    """Adds the wall time of each call of the method to the stage (the component's `self.stats`,
    when it has one), whether the call returns or raises (DropItem)."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            started = time.perf_counter()
            try:
                return method(self, *args, **kwargs)
            finally:
                add_seconds(self.stats, stage, time.perf_counter() - started)

        return wrapper

    return decorate
