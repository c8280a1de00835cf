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
from sqlalchemy.engine import Engine
from w3lib.encoding import html_to_unicode
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from pipeline.collection import Collection, CollectionError, load_collection
from pipeline.items import PageItem
from pipeline.paths import warc_reference
from pipeline.rebuild.revisits import Revisits
from pipeline.rebuild.verify import Problem
from pipeline.signals import source_note
from pipeline.stages import processing_stages, stage_settings
from pipeline.store.corpus import CorpusWriter
from pipeline.store.runs import finish_run, start_run
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

    capture: dict
    location: RecordLocation
    content_type: str
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
                archived = _archived(record, records, path, reference) if wanted else None
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


def _archived(record, records: ArchiveIterator, path: Path, reference: str) -> ArchivedResponse:
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
    capture = {
        "url": headers.get_header("WARC-Target-URI"),
        "method": "GET",
        "status": int(status) if status and status.isdigit() else None,
        "error": None,
        "fetched_at": parse_warc_date(date),
        "content_type": content_type or None,
        "content_length": None,
        "redirect_to": http.get_header("Location"),
        "ip_address": headers.get_header("WARC-IP-Address"),
        "warc_file": reference,
        "warc_offset": offset,
        "warc_length": length,
        "warc_record_id": location.record_id,
        "payload_digest": location.payload_digest,
        "warc_type": record.rec_type,
        "refers_to_record_id": headers.get_header("WARC-Refers-To"),
        "etag": http.get_header("ETag"),
        "last_modified": http.get_header("Last-Modified"),
    }
    return ArchivedResponse(capture, location, content_type, body)


def _bounded_read(stream, limit: int = MAX_BODY) -> bytes | None:
    """The decoded body, or None past `limit`: an archived compression bomb stays a capture."""
    chunks, size = [], 0
    while chunk := stream.read(65536):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def page_item(archived: ArchivedResponse, via: str, found: dict[str, str] | None = None) -> PageItem | None:
    """The page as the crawl saw it: under its original URL when it came from a web archive,
    with the discovery the crawl recorded in the WARC metadata record."""
    from spiders.base import ARCHIVE_URL, archive_time

    capture = archived.capture
    found = found or {}
    if found.get("discovered-via") == "commoncrawl" and capture["status"] == 206:
        return _commoncrawl_item(archived, found)
    if archived.body is None or capture["status"] != 200:
        return None
    encoding, _ = html_to_unicode(archived.content_type, archived.body)
    url, notes = capture["url"], {}
    if (archive := ARCHIVE_URL.match(url)) and found.get("discovered-via"):
        when = archive_time(url)
        url, notes = archive["url"], {"archive_url": capture["url"]}
        if when:
            notes["archived_at"] = when.isoformat()
    item = PageItem(
        url=url,
        body=archived.body,
        encoding=encoding,
        fetched_at=capture["fetched_at"],
        warc=archived.location,
        content_type=archived.content_type or None,
        discovered_via=found.get("discovered-via", via),
        discovered_from=found.get("via", capture["warc_file"]),
    )
    item.notes.update(notes)
    return item


def _commoncrawl_item(archived: ArchivedResponse, found: dict[str, str]) -> PageItem | None:
    """A Common Crawl byte range (one gzipped WARC record) rebuilt as the crawl made it."""
    from spiders.commoncrawl import record_item, record_page

    try:
        inside = record_page(archived.body) if archived.body else None
    except (ArchiveLoadFailed, OSError, ValueError):
        inside = None
    if inside is None:
        return None
    capture = archived.capture
    return record_item(
        inside,
        capture["url"],
        fetched_at=capture["fetched_at"],
        warc=archived.location,
        discovered_from=found.get("via", capture["warc_file"]),
    )


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
                captures.append(archived.capture | {"run_id": report.run_id})
                record_id = archived.location.record_id
                page, why_not = revisits.read(archived)  # a revisit: the page it repeats
                if why_not:
                    notes[record_id] = why_not
                found = metadata.get(record_id) or {}
                if page and found.get("discovery-source"):  # read by the crawl for its links
                    notes[record_id], page = source_note(found["discovery-source"]), None
                item = page_item(page, self.via, found) if page else None
                if item is not None and page is not archived:
                    item.capture_record_id = record_id
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
