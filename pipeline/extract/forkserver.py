"""Where extraction workers come from: a fork server that has imported the extraction libraries
once (seconds of CPU), or, where there is no fork server, a fresh interpreter per worker.

Kept apart from pipeline.extract.pool, which imports those libraries itself: a crawl starts the
fork server first thing (`start_early`), and its import then runs beside the crawl's own start
instead of after it, while the first pages wait.
"""

from __future__ import annotations

import multiprocessing
from functools import cache

WORKER_MODULE = "pipeline.extract.pool"  # what the fork server imports before it forks a worker
# and what the workers alone need: datasketch (with SciPy) makes the story signatures, which the
# crawl process, spared its half second of importing, leaves to them.
PRELOAD = [WORKER_MODULE, "datasketch"]


@cache
def worker_context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


def start_early() -> None:
    """Starts the fork server now; it imports PRELOAD in the background (nothing waits)."""
    if worker_context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()
