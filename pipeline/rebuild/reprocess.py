"""Rebuild the corpus from WARC files, with no network: `reprocess` (ours) and `import-warc` (anyone's).

The WARC files are the source of truth. Every response and revisit record becomes a capture
(idempotently, by WARC-Record-ID), and every HTML page goes through the same extract → normalize →
dedupe → store stages as a live crawl, so the same bytes give the same rows.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import inspect
import logging
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from scrapy.exceptions import DropItem
from scrapy.http import Headers, Request, Response, TextResponse
from scrapy.responsetypes import responsetypes
from sqlalchemy.engine import Engine
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from pipeline.collection import Collection, CollectionError, load_collection
from pipeline.items import PageItem
from pipeline.paths import warc_reference
from pipeline.rebuild.revisits import Revisits
from pipeline.rebuild.verify import Problem
from pipeline.signals import source_note
from pipeline.stages import processing_stages, stage_settings
from pipeline.store.captures import capture_row
from pipeline.store.corpus import CorpusWriter
from pipeline.store.runs import finish_run, start_run
from spiders.commoncrawl import record_item, record_page
from spiders.pages import ARCHIVE_URL, ORIGINAL_URL
from spiders.pages import page_item as spider_page_item
from warc.middleware import CAPTURE_RECORD, FETCH_STARTED, LOCATION, CaptureRecord
from warc.writer import RecordLocation

log = logging.getLogger(__name__)

BATCH = 200
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


@dataclass
class ReprocessReport:
    files: int = 0
    records: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    run_id: int | None = None

    def render(self) -> str:
        c = self.counts
        lines = [str(p) for p in self.problems]
        lines.append(
            f"read {self.records} response/revisit records from {self.files} WARC files"
            f" (run {self.run_id}); {len(self.problems)} unreadable"
        )
        lines.append(
            f"  articles: {c.get('new', 0)} new, {c.get('updated', 0)} updated, "
            f"{c.get('unchanged', 0)} unchanged, {c.get('reextracted', 0)} re-extracted; "
            f"{c.get('url_folded', 0)} URL variants folded; "
            f"{c.get('not_articles', 0)} pages held no article"
        )
        return "\n".join(lines)


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


def page_item(
    archived: ArchivedResponse,
    via: str,
    found: dict[str, str] | None = None,
    capture_record_id: str | None = None,
) -> PageItem | None:
    """The page as the crawl made it (spiders.pages.page_item, from the response rebuilt): under
    its original URL when it came from a web archive, with the discovery the crawl recorded in the
    WARC metadata record. `capture_record_id`: the fetch's own record, when it is a revisit."""
    capture, found = archived.capture, found or {}
    if archived.body is None or capture.status not in (200, 206):
        return None
    meta = {
        FETCH_STARTED: capture.fetched_at,
        LOCATION: archived.location,
        CAPTURE_RECORD: capture_record_id or archived.location.record_id,
        "discovered_via": found.get("discovered-via", via),
        "discovered_from": found.get("via", warc_reference(archived.location.path)),
    }
    if (archive := ARCHIVE_URL.match(capture.url)) and found.get("discovered-via"):
        meta[ORIGINAL_URL] = archive["url"]
    headers = Headers(archived.headers)
    response_class = responsetypes.from_args(headers=headers, url=capture.url, body=archived.body)
    request = Request(capture.url, meta=meta)
    body, status = archived.body, capture.status
    response = response_class(capture.url, status=status, headers=headers, body=body, request=request)
    if found.get("discovered-via") == "commoncrawl" and capture.status == 206:
        return _commoncrawl_item(response)
    if capture.status != 200 or not isinstance(response, TextResponse):
        return None
    return spider_page_item(response)


def _commoncrawl_item(response: Response) -> PageItem | None:
    """A Common Crawl byte range (one gzipped WARC record) rebuilt as the crawl made it."""
    try:
        inside = record_page(response.body)
    except (ArchiveLoadFailed, OSError, ValueError):
        inside = None
    return record_item(inside, response) if inside is not None else None


def known_collection(name: str) -> Collection | None:
    """The collection file of that name, when there is one (imported WARCs may name none)."""
    try:
        return load_collection(name)
    except CollectionError:
        return None


class Reprocessor:
    """Runs archived pages through the pipeline stages and the store, in batches."""

    def __init__(self, engine: Engine, collection: str, via: str, favor: str = "balanced"):
        self.engine = engine
        self.collection = collection
        self.via = via
        self.writer = CorpusWriter(engine)
        # The crawl's stages, configured as the crawl configures them, extracting in this process.
        settings = stage_settings(
            known_collection(collection), ARCHIVE_EXTRACT_FAVOR=favor, ARCHIVE_EXTRACT_WORKERS=0
        )
        self.stages = processing_stages(settings)
        self.not_articles = 0
        self.loop: asyncio.AbstractEventLoop | None = None

    def _through_stages(self, item: PageItem, notes: dict[str, str]) -> PageItem | None:
        for stage in self.stages:
            try:
                result = stage.process_item(item)
                if inspect.isawaitable(result):  # a stage written for the crawl's event loop
                    result = self.loop.run_until_complete(result)
                item = result
            except DropItem as reason:
                self.not_articles += 1
                notes[item.capture_record_id or item.warc.record_id] = str(reason)[:500]
                return None
        return item

    def run(self, paths: Iterable[Path]) -> ReprocessReport:
        self.loop = asyncio.new_event_loop()
        for stage in self.stages:
            if hasattr(stage, "open_spider"):
                stage.open_spider()
        try:
            return self._run(paths)
        finally:
            for stage in self.stages:
                if hasattr(stage, "close_spider"):
                    stage.close_spider()
            self.loop.close()

    def _run(self, paths: Iterable[Path]) -> ReprocessReport:
        report = ReprocessReport()
        report.run_id = start_run(self.engine, self.collection, self.via)
        captures: list[dict] = []
        items: list[PageItem] = []
        notes: dict[str, str] = {}
        variants: list[PageItem] = []
        revisits = Revisits(self.engine)
        files = warc_files(paths)
        for path in files:
            report.files += 1
            metadata = discovery_metadata(path)
            for archived in read_responses(path, report.problems):
                report.records += 1
                captures.append(capture_row(archived.capture, report.run_id))
                record_id = archived.location.record_id
                page, why_not = revisits.read(archived)  # a revisit: the page it repeats
                if why_not:
                    notes[record_id] = why_not
                found = metadata.get(record_id) or {}
                if page and found.get("discovery-source"):  # read by the crawl for its links
                    notes[record_id], page = source_note(found["discovery-source"]), None
                item = page_item(page, self.via, found, record_id) if page else None
                if item is not None and (item := self._through_stages(item, notes)) is not None:
                    # URL variants after every article's own page, as a crawl does.
                    (variants if item.url != item.canonical_url else items).append(item)
                if len(captures) >= BATCH:
                    self.writer.write(captures, items, run_id=report.run_id, notes=notes)
                    captures, items, notes = [], [], {}
        self.writer.write(captures, items, run_id=report.run_id, notes=notes)
        self.writer.write([], variants, run_id=report.run_id)
        report.counts = dict(self.writer.counts, not_articles=self.not_articles)
        stats = report.counts | {
            "files": report.files,
            "records": report.records,
            "problems": [str(p) for p in report.problems],
        }
        finish_run(self.engine, report.run_id, "finished", stats, [warc_reference(p) for p in files])
        return report
