"""What the corpus knows of a URL's earlier fetches: when, the validators for a conditional
request, and where the archived copy is (a 304, or a 200 with the same payload, becomes a revisit
record pointing at it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Engine

from pipeline.paths import resolve_warc
from warc.writer import RecordLocation, warc_date

LAST_FETCH = text(
    """
    SELECT c.fetched_at, c.etag, c.last_modified, c.warc_file, c.warc_offset, c.warc_length,
           c.warc_record_id, c.payload_digest,
           (SELECT max(v.published_at) FROM article_versions v WHERE v.capture_id = c.id)
               AS published_at,
           (SELECT max(c2.fetched_at) FROM captures c2
             WHERE c2.url = c.url AND c2.status IN (200, 304)) AS last_fetched
    FROM captures c
    WHERE c.url = :url AND c.status = 200 AND c.warc_type = 'response'
    ORDER BY c.fetched_at DESC
    LIMIT 1
    """
)


SAME_PAYLOAD = text(
    """
    SELECT c.warc_file, c.warc_offset, c.warc_length, c.warc_record_id, c.payload_digest, c.fetched_at
    FROM captures c
    WHERE c.url = :url AND c.payload_digest = :digest AND c.warc_type = 'response'
    ORDER BY c.fetched_at
    LIMIT 1
    """
)


def capture_location(row) -> RecordLocation | None:
    """Where a captures row's response record is, or None if its WARC file is not here."""
    path = resolve_warc(row.warc_file)
    if not path.exists():
        return None
    return RecordLocation(
        path=str(path),
        offset=row.warc_offset,
        length=row.warc_length,
        record_id=row.warc_record_id,
        payload_digest=row.payload_digest,
        date=warc_date(row.fetched_at),
    )


def archived_payload(engine: Engine, url: str, digest: str) -> RecordLocation | None:
    """The first archived response of this URL with this payload digest, if any."""
    with engine.connect() as conn:
        row = conn.execute(SAME_PAYLOAD, {"url": url, "digest": digest}).first()
    return capture_location(row) if row is not None else None


@dataclass(frozen=True, slots=True)
class PreviousFetch:
    last_fetched: dt.datetime
    published_at: dt.datetime | None
    etag: str | None
    last_modified: str | None
    location: RecordLocation


def previous_fetch(engine: Engine, url: str) -> PreviousFetch | None:
    with engine.connect() as conn:
        row = conn.execute(LAST_FETCH, {"url": url}).first()
    location = capture_location(row) if row is not None else None
    if location is None:
        return None
    return PreviousFetch(
        last_fetched=row.last_fetched or row.fetched_at,
        published_at=row.published_at,
        etag=row.etag,
        last_modified=row.last_modified,
        location=location,
    )
