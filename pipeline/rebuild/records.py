"""WARC files read back: every whole response and revisit record, damage reported by file and
offset (never raised), and what the crawl wrote beside them (warcinfo, metadata records)."""

from __future__ import annotations

import datetime as dt
import gzip
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from pipeline.paths import warc_reference
from pipeline.rebuild.verify import Problem
from warc.middleware import CaptureRecord
from warc.writer import RecordLocation

MAX_BODY = 32 * 1024 * 1024  # as the crawl's DOWNLOAD_MAXSIZE: larger decoded bodies are not pages
# warcio raises its own errors on bad framing, but a record header cut mid-way surfaces as
# AttributeError/TypeError/IndexError from inside its parser: all mean "not readable WARC from here".
READ_ERRORS = (
    ArchiveLoadFailed,
    EOFError,
    OSError,
    ValueError,
    zlib.error,
    AttributeError,
    TypeError,
    IndexError,
)


@dataclass(slots=True)
class ArchivedResponse:
    """A response or revisit record as read back from a WARC file."""

    capture: CaptureRecord
    location: RecordLocation
    content_type: str
    headers: list[tuple[str, str]]  # the HTTP response's
    body: bytes | None  # decoded from Content-Encoding; None for revisits and non-HTML


def parse_warc_date(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC)


def warc_files(paths: Iterable[Path]) -> list[Path]:
    """The WARC files named, with folders expanded (closed files only), in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.name.endswith((".warc", ".warc.gz"))))
        else:
            found.append(path)
    return found


def looks_like_warc(path: Path) -> bool:
    """True when the file (gzipped or plain) starts with a WARC record header."""
    try:
        with path.open("rb") as fh:
            head = fh.read(2)
            fh.seek(0)
            if head == b"\x1f\x8b":
                with gzip.GzipFile(fileobj=fh) as inner:
                    return inner.read(5) == b"WARC/"
            return fh.read(5) == b"WARC/"
    except READ_ERRORS:
        return False


def record_damage(record) -> str | None:
    """Why a fully read record cannot be trusted, or None. A digest that was never settled
    means the record ended before its Content-Length: torn by truncation."""
    headers = record.rec_headers
    if not record.rec_type or not all(map(headers.get_header, ("WARC-Record-ID", "Content-Length"))):
        return "record header is incomplete (the file was cut inside it)"
    checker = record.digest_checker
    unread = getattr(record.raw_stream, "limit", 0)
    if unread:  # the block ended before its Content-Length: the file was cut inside this record
        return f"record is incomplete ({unread} bytes of its block are missing)"
    if checker.passed is False:
        return "; ".join(checker.problems) or "digest mismatch"
    has_digest = record.rec_headers.get_header("WARC-Block-Digest") or record.rec_headers.get_header(
        "WARC-Payload-Digest"
    )
    if checker.passed is None and has_digest and record.rec_type != "revisit":
        return "record is incomplete (the file was truncated inside it)"
    return None


def warcinfo_fields(path: Path) -> dict[str, str]:
    """The warc-fields of the file's warcinfo record (its first record), or {} when it has none."""
    try:
        with path.open("rb") as fh:
            record = next(iter(ArchiveIterator(fh)), None)
            if record is None or record.rec_type != "warcinfo":
                return {}
            text = record.content_stream().read().decode("utf-8", "replace")
    except READ_ERRORS:
        return {}  # damage is reported by read_responses
    fields: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip() and name.strip() not in fields:
            fields[name.strip()] = value.strip()
    return fields


def by_collection(files: Iterable[Path], fallback: str) -> list[tuple[str, list[Path]]]:
    """The files grouped by the collection their warcinfo names (`isPartOf`), in order of first
    appearance; files that name none (other tools' WARCs) go to `fallback`."""
    groups: dict[str, list[Path]] = {}
    for path in files:
        groups.setdefault(warcinfo_fields(path).get("isPartOf") or fallback, []).append(path)
    return list(groups.items())


def discovery_metadata(path: Path) -> dict[str, dict[str, str]]:
    """Response record id -> the warc-fields of its metadata record (how the crawl found it)."""
    found: dict[str, dict[str, str]] = {}
    try:
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type != "metadata":
                    continue
                fields: dict[str, str] = {}
                for line in record.content_stream().read().decode("utf-8", "replace").splitlines():
                    name, _, value = line.partition(": ")
                    if name in ("discovered-via", "via", "discovery-source") and name not in fields:
                        fields[name] = value
                found[record.rec_headers.get_header("WARC-Concurrent-To")] = fields
    except READ_ERRORS:
        pass  # damage is reported by read_responses
    return found


def read_responses(path: Path, problems: list[Problem]) -> Iterator[ArchivedResponse]:
    """Every whole, intact response/revisit record of one file, in file order.

    Damage is reported by file and offset, never raised: a record whose digest does not match
    (torn by truncation, or corrupt) is skipped, and reading stops where the file stops being WARC.
    """
    reference = warc_reference(path)
    if not path.exists():
        problems.append(Problem(reference, 0, "file not found"))
        return
    if not looks_like_warc(path):
        problems.append(Problem(reference, 0, "not a WARC file (no WARC/ record header at the start)"))
        return
    size, end, start, cut_short = path.stat().st_size, 0, 0, False
    try:
        with path.open("rb") as fh:
            records = ArchiveIterator(fh, check_digests=True)
            for record in records:
                start = records.offset
                wanted = record.rec_type in ("response", "revisit") and record.http_headers
                archived = _archived(record, records, path) if wanted else None
                end = records.get_record_offset() + records.get_record_length()
                decompressor = records.reader.decompressor
                cut_short = decompressor is not None and not decompressor.eof
                damage = record_damage(record)
                if damage:
                    problems.append(Problem(reference, start, f"record skipped: {damage}"))
                elif archived is not None:
                    yield archived
    except READ_ERRORS as exc:
        problems.append(Problem(reference, start, f"unreadable from here on ({type(exc).__name__}: {exc})"))
        return
    if cut_short:  # the last record is whole but its gzip member lost its end
        problems.append(Problem(reference, start, "the file ends inside a gzip member (cut short)"))
    elif end < size:
        problems.append(
            Problem(reference, end, f"{size - end} bytes after the last whole record are not WARC")
        )


def _archived(record, records: ArchiveIterator, path: Path) -> ArchivedResponse:
    headers, http = record.rec_headers, record.http_headers
    content_type = http.get_header("Content-Type") or ""
    status = http.get_statuscode()
    # A page, or a byte range that may hold one (a Common Crawl WARC record).
    is_page = "html" in content_type.lower() or status == "206"
    body = _bounded_read(record.content_stream()) if record.rec_type == "response" and is_page else None
    offset, length = records.get_record_offset(), records.get_record_length()
    date = headers.get_header("WARC-Date")
    location = RecordLocation(
        path=str(path),
        offset=offset,
        length=length,
        record_id=headers.get_header("WARC-Record-ID"),
        payload_digest=headers.get_header("WARC-Payload-Digest"),
        date=date,
    )
    capture = CaptureRecord(
        url=headers.get_header("WARC-Target-URI"),
        method="GET",
        fetched_at=parse_warc_date(date),
        status=int(status) if status and status.isdigit() else None,
        content_type=content_type or None,
        redirect_to=http.get_header("Location"),
        ip_address=headers.get_header("WARC-IP-Address"),
        location=location,
        warc_type=record.rec_type,
        refers_to_record_id=headers.get_header("WARC-Refers-To"),
        etag=http.get_header("ETag"),
        last_modified=http.get_header("Last-Modified"),
    )
    return ArchivedResponse(capture, location, content_type, http.headers, body)


def _bounded_read(stream, limit: int = MAX_BODY) -> bytes | None:
    """The decoded body, or None past `limit`: an archived compression bomb stays a capture."""
    chunks, size = [], 0
    while chunk := stream.read(65536):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
