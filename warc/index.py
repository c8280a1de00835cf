"""A collection's CDXJ index: what pywb (or any Wayback-style tool) needs to replay its WARC files.

The index is derived data, rebuilt from the closed WARC files whenever asked; it is written whole to
a temporary file and renamed, so a replay server that re-reads it per request never sees half of it.
Files still being written (`.warc.gz.open`) are left out: their last record may be incomplete.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from cdxj_indexer import CDXJIndexer
from warcio.timeutils import iso_date_to_timestamp

INDEX_NAME = "index.cdxj"


def closed_warcs(collection_dir: Path) -> list[Path]:
    """The collection's finished WARC files, by name (names start with a timestamp)."""
    return sorted(p for p in Path(collection_dir).glob("*.warc.gz") if p.is_file())


def update_index(collection_dir: Path) -> Path:
    """(Re)write `collection_dir/index.cdxj`: one sorted pywb CDXJ line per response, revisit,
    resource and metadata record of every closed WARC file in the folder."""
    collection_dir = Path(collection_dir)
    target = collection_dir / INDEX_NAME
    inputs = [str(path) for path in closed_warcs(collection_dir)]
    fd, temporary = tempfile.mkstemp(prefix=".index.", suffix=".cdxj.tmp", dir=collection_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            if inputs:
                # sort=True: SURT key then timestamp, in the byte order pywb's binary search needs
                CDXJIndexer(out, inputs, sort=True).process_all()
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def wayback_timestamp(moment: str | dt.datetime) -> str:
    """14-digit Wayback timestamp (UTC) of a WARC-Date string or a datetime (naive means UTC)."""
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
        return moment.strftime("%Y%m%d%H%M%S")
    return iso_date_to_timestamp(moment)


def replay_url(
    base: str,
    collection: str,
    warc_date_or_datetime: str | dt.datetime,
    url: str,
    *,
    raw: bool = False,
) -> str:
    """The replay address of `url` as captured at that moment: `{base}/{collection}/{ts}/{url}`
    (pywb's page view), or with `raw=True` the `id_` form: the archived response unrewritten,
    still gzip-encoded if it was and the client accepts gzip, else decoded by pywb."""
    stamp = wayback_timestamp(warc_date_or_datetime) + ("id_" if raw else "")
    return f"{base.rstrip('/')}/{collection}/{stamp}/{url}"
