"""Revisit records read back from WARC files: the page they repeat, so that a rebuild from the
WARCs gives a re-fetch the same outcome the crawl gave it (an unchanged re-fetch, a fold, a note).

A revisit holds headers only; its payload is the response record it refers to (WARC-Refers-To),
met earlier in the same reprocess or already in the corpus from an earlier one.
"""

from __future__ import annotations

import io
from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from pipeline.models import Capture
from pipeline.paths import resolve_warc
from pipeline.rebuild.records import MAX_BODY, ArchivedResponse
from warc.writer import RecordLocation

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def is_html_page(archived: ArchivedResponse) -> bool:
    return archived.capture.status == 200 and "html" in (archived.content_type or "").lower()


class Revisits:
    """Remembers where this run's HTML responses are, and reads a revisit's page from there."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.responses: dict[str, RecordLocation] = {}

    def remember(self, archived: ArchivedResponse) -> None:
        if archived.capture.warc_type == "response" and is_html_page(archived):
            self.responses[archived.location.record_id] = archived.location

    def read(self, archived: ArchivedResponse) -> tuple[ArchivedResponse | None, str | None]:
        """(the page to run through the stages, None), or (None, why no page can be had) for an
        HTML page; (the record itself, None) for anything else."""
        self.remember(archived)
        if not is_html_page(archived):
            return archived, None
        if archived.capture.warc_type == "revisit":
            return self.page(archived)
        if archived.body is None:
            return None, "the body is larger than 32 MiB once decoded: not read as a page"
        return archived, None

    def page(self, revisit: ArchivedResponse) -> tuple[ArchivedResponse | None, str | None]:
        """(the archived page the revisit repeats, fetched when the revisit was, None) or, when
        its bytes cannot be had, (None, why)."""
        original_id = revisit.capture.refers_to_record_id
        if not original_id:
            return None, "revisit record without WARC-Refers-To: its payload cannot be found"
        location = self.responses.get(original_id) or self._stored(original_id)
        if location is None:
            return None, f"revisit of {original_id}, a record neither in these WARC files nor in the corpus"
        body, content_type = _read_body(location)
        if body is None:
            return None, f"revisit of {original_id}, whose record cannot be read at {location.path}"
        return replace(revisit, location=location, content_type=content_type, body=body), None

    def _stored(self, record_id: str) -> RecordLocation | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(
                    Capture.warc_file, Capture.warc_offset, Capture.warc_length, Capture.payload_digest
                ).where(Capture.warc_record_id == record_id, Capture.warc_type == "response")
            ).first()
        if row is None or row.warc_file is None:
            return None
        path = str(resolve_warc(row.warc_file))
        return RecordLocation(path, row.warc_offset, row.warc_length, record_id, row.payload_digest, "")


def _read_body(location: RecordLocation) -> tuple[bytes | None, str]:
    """The decoded body and Content-Type of the response record at `location`."""
    try:
        with open(location.path, "rb") as fh:
            fh.seek(location.offset)
            member = fh.read(location.length)
        record = next(iter(ArchiveIterator(io.BytesIO(member))))
        content_type = record.http_headers.get_header("Content-Type") or ""
        stream, chunks, size = record.content_stream(), [], 0
        while size <= MAX_BODY and (chunk := stream.read(65536)):
            chunks.append(chunk)
            size += len(chunk)
    except (OSError, ValueError, EOFError, StopIteration, AttributeError) as exc:
        return None, type(exc).__name__
    return (b"".join(chunks) if size <= MAX_BODY else None), content_type
