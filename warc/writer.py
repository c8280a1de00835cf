"""A WARC file writer that knows nothing of Scrapy: HTTP exchanges in, record locations out.

Each record is its own gzip member, so any record can be read alone from its offset. Files are
written as `<name>.warc.gz.open` and renamed when closed; a file rolls over past `max_bytes`.
A FetchWriter writes one fetch's records together; `serve` runs one as the crawl's writer process.
"""

from __future__ import annotations

import base64
import datetime as dt
import fcntl
import gzip
import hashlib
import io
import logging
import os
import re
import socket
import sys
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from warc.index import RecordIndexer, write_sidecar
from warc.outlinks import PageLinks, decoded_body, html_root, read_links

log = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"


@dataclass(frozen=True, slots=True)
class HttpExchange:
    """One request and the response it got, as they crossed the wire."""

    url: str
    method: str
    request_target: str
    request_headers: list[tuple[str, str]]
    status: int
    reason: str
    response_headers: list[tuple[str, str]]
    body: bytes
    fetched_at: dt.datetime
    protocol: str = "HTTP/1.1"
    request_body: bytes = b""
    ip_address: str | None = None


@dataclass(frozen=True, slots=True)
class RecordLocation:
    """Where a response record sits: enough to read it back and to check it."""

    path: str  # the file's final (closed) path
    offset: int
    length: int
    record_id: str
    payload_digest: str | None
    date: str


@dataclass(slots=True)
class _OpenFile:
    path: Path
    handle: io.BufferedWriter
    index: RecordIndexer
    size: int = 0


def warc_date(moment: dt.datetime) -> str:
    """WARC 1.1 date: UTC with microseconds."""
    utc = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return datetime_to_iso_date(utc, use_micros=True)


def payload_digest(body: bytes) -> str:
    """The WARC-Payload-Digest of a body: SHA-1 in base32, as warcio and Heritrix write it."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def _content_encoded(headers: list[tuple[str, str]]) -> bool:
    """Whether the body is compressed as sent (a Content-Encoding other than identity)."""
    return any(
        name.lower() == "content-encoding" and value.strip().lower() not in ("", "identity")
        for name, value in headers
    )


def safe_host(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "-", name).strip("-.") or "host"


@dataclass
class WarcFileWriter:
    directory: Path
    prefix: str = "ARCHIVE"
    max_bytes: int = 1_000_000_000
    gzip_level: int = 6
    warcinfo: dict[str, str] = field(default_factory=dict)
    hostname: str = field(default_factory=lambda: safe_host(socket.gethostname()))
    files_written: list[str] = field(default_factory=list)
    records_written: int = 0
    _current: _OpenFile | None = None
    _serial: int = 0

    def __post_init__(self) -> None:
        self.directory = Path(self.directory)
        self._builder = WARCWriter(io.BytesIO(), gzip=False, warc_version="1.1")

    def options(self) -> dict:
        """What makes another writer like this one (in another process)."""
        return {
            "directory": self.directory,
            "prefix": self.prefix,
            "max_bytes": self.max_bytes,
            "gzip_level": self.gzip_level,
            "warcinfo": dict(self.warcinfo),
            "hostname": self.hostname,
        }

    # -- files ---------------------------------------------------------------

    def _open_next(self) -> _OpenFile:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
        while True:
            name = f"{self.prefix}-{stamp}-{self._serial:05d}-{self.hostname}.warc.gz"
            self._serial += 1
            final, temporary = self.directory / name, self.directory / (name + OPEN_SUFFIX)
            if not final.exists() and not temporary.exists():
                break
        handle = open(temporary, "xb")  # noqa: SIM115 - held open until close()
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # tells recovery this file is live
        current = _OpenFile(path=final, handle=handle, index=RecordIndexer(name))
        self._current = current
        info = {"software": "incident-archive (warcio)", "format": "WARC File Format 1.1"}
        info.update({k: v for k, v in self.warcinfo.items() if v})
        info.setdefault("hostname", self.hostname)
        self._append(self._builder.create_warcinfo_record(name, info))
        log.info("writing %s", temporary)
        return current

    def _file_for_next_record(self) -> _OpenFile:
        if self._current is not None and self._current.size >= self.max_bytes:
            self.close()
        return self._current or self._open_next()

    def close(self) -> None:
        """Flush, fsync and rename the open file to its final name; write its own CDXJ index."""
        current, self._current = self._current, None
        if current is None:
            return
        current.handle.flush()
        os.fsync(current.handle.fileno())
        current.handle.close()
        os.replace(current.path.with_name(current.path.name + OPEN_SUFFIX), current.path)
        write_sidecar(current.path, current.index.lines)
        self.files_written.append(current.path.name)
        log.info("closed %s (%d bytes)", current.path, current.size)

    # -- records -------------------------------------------------------------

    def _append(self, record, indexed: bool = False, compressed_payload: bool = False) -> tuple[int, int]:
        """Write one record as its own gzip member; return (offset, length) in the file. An
        `indexed` record (a response or revisit) goes in the file's CDXJ index too. A record of a
        `compressed_payload` (a body the server sent gzipped or brotli-compressed, kept so) is
        stored in its member without deflating it again: deflate finds next to nothing to gain in
        such a body and only spends CPU trying."""
        buffer = io.BytesIO()
        self._builder._write_warc_record(buffer, record)
        level = 0 if compressed_payload else self.gzip_level
        member = gzip.compress(buffer.getvalue(), compresslevel=level, mtime=0)
        current = self._current
        assert current is not None
        offset = current.size
        current.handle.write(member)
        current.handle.flush()  # a killed process loses no completed record
        current.size += len(member)
        self.records_written += 1
        if indexed:
            current.index.add(record, member, offset)
        return offset, len(member)

    def write_exchange(self, exchange: HttpExchange, digest: str | None = None) -> RecordLocation:
        """Write the response record, then its request record linked by WARC-Concurrent-To.
        `digest`: the body's payload_digest when the caller has it (warcio need not read it again)."""
        current = self._file_for_next_record()
        warc_headers = self._exchange_warc_headers(exchange)
        response = self._builder.create_warc_record(
            exchange.url,
            "response",
            payload=io.BytesIO(exchange.body),
            length=len(exchange.body),
            http_headers=self._response_headers(exchange),
            warc_headers_dict=dict(warc_headers) | ({"WARC-Payload-Digest": digest} if digest else {}),
        )
        return self._finish_exchange(current, exchange, response, warc_headers)

    def write_revisit(
        self,
        exchange: HttpExchange,
        original: RecordLocation,
        original_uri: str,
        not_modified: bool = False,
    ) -> RecordLocation:
        """A re-fetch whose payload is already archived: headers only, pointing at the original.

        Profile identical-payload-digest for a 200 with the same payload; server-not-modified
        for a 304 answer to a conditional request.
        """
        current = self._file_for_next_record()
        warc_headers = self._exchange_warc_headers(exchange)
        warc_headers["WARC-Refers-To"] = original.record_id
        revisit = self._builder.create_revisit_record(
            exchange.url,
            digest=original.payload_digest,
            refers_to_uri=original_uri,
            refers_to_date=original.date,
            http_headers=self._response_headers(exchange),
            warc_headers_dict=warc_headers,
        )
        if not_modified:
            revisit.rec_headers.replace_header("WARC-Profile", NOT_MODIFIED_PROFILE)
        return self._finish_exchange(current, exchange, revisit, warc_headers)

    def write_metadata(self, url: str, date: str, concurrent_to: str, fields: list[tuple[str, str]]) -> None:
        """A metadata record (application/warc-fields) describing the response `concurrent_to`.

        It goes in the file of the record it describes (no roll-over before it), so a fetch's
        records are never split between two files.
        """
        if self._current is None:
            self._open_next()
        body = "".join(f"{name}: {value}\r\n" for name, value in fields).encode("utf-8")
        record = self._builder.create_warc_record(
            url,
            "metadata",
            payload=io.BytesIO(body),
            length=len(body),
            warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": concurrent_to},
        )
        self._append(record)

    @staticmethod
    def _exchange_warc_headers(exchange: HttpExchange) -> dict[str, str]:
        headers = {"WARC-Date": warc_date(exchange.fetched_at)}
        if exchange.ip_address:
            headers["WARC-IP-Address"] = exchange.ip_address
        return headers

    @staticmethod
    def _response_headers(exchange: HttpExchange) -> StatusAndHeaders:
        return StatusAndHeaders(
            f"{exchange.status} {exchange.reason}".strip(),
            list(exchange.response_headers),
            protocol=exchange.protocol,
        )

    def _finish_exchange(self, current: _OpenFile, exchange, record, warc_headers) -> RecordLocation:
        encoded = record.rec_type == "response" and _content_encoded(exchange.response_headers)
        offset, length = self._append(record, indexed=True, compressed_payload=encoded)
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        request_http = StatusAndHeaders(
            f"{exchange.method} {exchange.request_target} {exchange.protocol}",
            list(exchange.request_headers),
            is_http_request=True,
        )
        request = self._builder.create_warc_record(
            exchange.url,
            "request",
            payload=io.BytesIO(exchange.request_body),
            length=len(exchange.request_body),
            http_headers=request_http,
            warc_headers_dict={k: v for k, v in warc_headers.items() if k != "WARC-Refers-To"}
            | {"WARC-Concurrent-To": record_id},
        )
        self._append(request)
        return RecordLocation(
            path=str(current.path),
            offset=offset,
            length=length,
            record_id=record_id,
            payload_digest=record.rec_headers.get_header("WARC-Payload-Digest"),
            date=warc_headers["WARC-Date"],
        )


# -- one fetch's records, and the process that writes them -----------------------------------------


@dataclass(frozen=True, slots=True)
class Fetch:
    """One fetch to archive, with what decides how: everything a writer in another process needs."""

    exchange: HttpExchange
    digest: str  # payload_digest(exchange.body)
    fields: list[tuple[str, str]]  # the metadata record's warc-fields, the page's links to come
    links_encoding: str | None  # Content-Encoding of a page whose links go in the metadata ("": none)
    not_modified_of: RecordLocation | None = None  # a 304 to a conditional request for this copy
    earlier_copy: RecordLocation | None = None  # the same payload, archived by an earlier run


RECENT_COPIES = 10_000


class FetchWriter:
    """Writes a fetch's records one after the other in one file: the response, or a revisit when
    the payload is archived already (in this run, else `Fetch.earlier_copy`), then the request,
    then the metadata with the page's outlinks. The page is parsed here, once: the links it reads
    go back to the spider too, which then need not parse the page itself."""

    def __init__(self, writer: WarcFileWriter, max_body: int) -> None:
        self.writer = writer
        self.max_body = max_body
        # (url, digest) -> this run's copy, for the latest RECENT_COPIES responses: older ones are
        # in the corpus by then (Fetch.earlier_copy), and memory stays flat however long the run.
        self.archived: OrderedDict[tuple[str, str], RecordLocation] = OrderedDict()

    def write(self, fetch: Fetch) -> tuple[RecordLocation, RecordLocation | None, PageLinks | None]:
        """(where the fetch's response or revisit record is, the original it revisits or None,
        the page's links for the spider or None when it has none to read)."""
        exchange, fields, links = fetch.exchange, fetch.fields, None
        if fetch.links_encoding is not None:
            body = decoded_body(fetch.links_encoding or None, exchange.body, self.max_body)
            root = (
                html_root(body, exchange.url, _header(exchange.response_headers, "content-type"))
                if body
                else None
            )
            if root is not None:
                links, targets = read_links(root, exchange.url)
                fields = fields + [("outlink", f"{url} L a/@href") for url in targets]
        key = (exchange.url, fetch.digest)
        original = fetch.not_modified_of
        if original is None and exchange.status == 200:
            original = self.archived.get(key) or fetch.earlier_copy
        if original is not None:
            not_modified = fetch.not_modified_of is not None
            location = self.writer.write_revisit(exchange, original, exchange.url, not_modified=not_modified)
        else:
            location = self.writer.write_exchange(exchange, fetch.digest)
            self.archived[key] = location
            if len(self.archived) > RECENT_COPIES:
                self.archived.popitem(last=False)
        self.writer.write_metadata(exchange.url, location.date, location.record_id, fields)
        return location, original, links


def _header(pairs: list[tuple[str, str]], name: str) -> str | None:
    """The first header of that (lower-case) name."""
    return next((value for key, value in pairs if key.lower() == name), None)


def serve() -> None:
    """The writer process (warc.middleware.WriterProcess starts it, childprocess.start_python):
    messages from the crawl, ("start", options, max_body), ("write", Fetch) and ("close",), each
    answered in order.

    It ignores SIGINT and SIGTERM: the crawl closes it when done, so nothing in flight is lost. It
    stops at the end of its input: when the crawl closed it, or is gone (kill -9 too), in which
    case the open file stays `.open`, every record in it whole, for recovery.
    """
    import signal

    from warc import childprocess

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    fetch_writer: FetchWriter | None = None

    def handle(message: tuple):
        nonlocal fetch_writer
        kind, *args = message
        if kind == "start":
            fetch_writer = FetchWriter(WarcFileWriter(**args[0]), args[1])
            return os.getpid()
        if kind == "write":
            return fetch_writer.write(args[0])
        fetch_writer.writer.close()
        return list(fetch_writer.writer.files_written)

    childprocess.serve(handle, int(sys.argv[1]), int(sys.argv[2]))
