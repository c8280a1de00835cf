"""What the corpus knows of a URL's last fetch: when, the validators for a conditional request,
and where the archived copy is (a 304 answer becomes a revisit record pointing at it)."""

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
    if row is None or not resolve_warc(row.warc_file).exists():
        return None
    return PreviousFetch(
        last_fetched=row.last_fetched or row.fetched_at,
        published_at=row.published_at,
        etag=row.etag,
        last_modified=row.last_modified,
        location=RecordLocation(
            path=str(resolve_warc(row.warc_file)),
            offset=row.warc_offset,
            length=row.warc_length,
            record_id=row.warc_record_id,
            payload_digest=row.payload_digest,
            date=warc_date(row.fetched_at),
        ),
    )
