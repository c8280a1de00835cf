"""Python's garbage collector, set for the processes of a crawl.

Young collections run every YOUNG_COLLECTION_THRESHOLD allocations instead of Python's 700. What
the crawl process and the extraction workers hold is mostly pages, items and requests in flight,
which outlive several collections: each one walked them again and found next to no garbage,
because no page is left in a reference cycle (tests check that reading a page's links and
extracting one leave none). Rarer passes save that CPU without raising peak memory.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_COLLECTION_THRESHOLD = 20_000


def collect_young_objects_rarely() -> None:
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])


@contextmanager
def collector_restored() -> Iterator[None]:
    """The collector's thresholds as they were before, and the objects frozen within (gc.freeze)
    unfrozen, unless some were frozen before: gc cannot unfreeze only the later ones."""
    thresholds = gc.get_threshold()
    frozen_before = gc.get_freeze_count()
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if not frozen_before:
            gc.unfreeze()
