"""What the corpus knows of a URL's earlier fetches: when, the validators for a conditional
request, and where the archived copy is (a 304, or a 200 with the same payload, becomes a revisit
record pointing at it)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

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


# The same 8 bytes of MD5 of a URL's UTF-8 form as Python's `_url_key` (MD5 is here a hash, not
# a safeguard: PostgreSQL has it built in, and a collision costs one query).
CAPTURED_URL_KEYS = text(
    "SELECT DISTINCT ('x' || substr(md5(url), 1, 16))::bit(64)::bigint FROM captures"
    " WHERE warc_type = 'response'"
)


def _url_key(url: str) -> int:
    return int.from_bytes(hashlib.md5(url.encode("utf-8", "surrogatepass")).digest()[:8], "big", signed=True)


class CapturedUrls:
    """The URLs the corpus holds a response of, so that a crawl asks the database about a URL's
    earlier fetches (for a conditional request, or a revisit record) only when it has any: a
    first crawl of a collection asks nothing. Read once a run, on first use, as a sorted array of
    8-byte keys (8 MB for a million URLs); the URLs this process captures are added as it goes.
    Another worker's captures of the same run are not seen: such a payload is archived in full
    again rather than as a revisit, nothing is lost."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.stored: np.ndarray | None = None  # None: not read yet, or the database was away
        self.added: set[int] = set()

    def add(self, url: str) -> None:
        self.added.add(_url_key(url))

    def may_hold(self, url: str) -> bool:
        """False only when the corpus surely holds no response of `url`."""
        key = _url_key(url)
        if key in self.added:
            return True
        if self.stored is None:
            try:
                with self.engine.connect() as conn:
                    keys = np.fromiter(conn.execute(CAPTURED_URL_KEYS).scalars(), dtype=np.int64)
            except DBAPIError:
                return True  # cannot tell: ask about the URL itself
            self.stored = np.sort(keys)
        at = int(np.searchsorted(self.stored, key))
        return at < len(self.stored) and int(self.stored[at]) == key

    def surely_lacks(self, url: str) -> bool:
        """True when the corpus surely holds no response of `url`, known without asking the
        database: False until `may_hold` has read the corpus's URLs (off the reactor thread)."""
        return self.stored is not None and not self.may_hold(url)


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
