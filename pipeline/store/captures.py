"""A fetch as a captures row: one builder, for the crawl's store and for reprocess."""

from __future__ import annotations

import os
from dataclasses import fields
from functools import cache, lru_cache

from pipeline.paths import DATA_DIR_VARIABLE, warc_reference
from warc.middleware import CaptureRecord


@lru_cache(maxsize=64)
def _warc_file(path: str, data_folder: str | None) -> str:
    """The corpus's name of a WARC file, once per file and data folder (it resolves the path on
    disk, relative to the data folder's WARC folder: paths.warc_reference)."""
    return warc_reference(path)


@cache
def _columns(record_type: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(record_type) if f.name != "location")


def capture_row(capture: CaptureRecord, run_id: int | None) -> dict:
    """The captures row of one fetch. Its fields are plain values: read as they are, not through
    dataclasses.asdict, which deep-copies each on every fetch."""
    location = capture.location
    row = {name: getattr(capture, name) for name in _columns(type(capture))}
    row.update(
        run_id=run_id,
        warc_file=_warc_file(location.path, os.environ.get(DATA_DIR_VARIABLE)) if location else None,
        warc_offset=location.offset if location else None,
        warc_length=location.length if location else None,
        warc_record_id=location.record_id if location else None,
        payload_digest=location.payload_digest if location else None,
    )
    return row
