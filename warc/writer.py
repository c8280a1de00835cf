"""A WARC file writer that knows nothing of Scrapy: HTTP exchanges in, record locations out.

Each record is its own gzip member, so any record can be read alone from its offset. Files are
written as `<name>.warc.gz.open` and renamed when closed; a file rolls over past `max_bytes`.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import logging
import os
import re
import socket
from dataclasses import dataclass, field
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

log = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"


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

    filename: str
    offset: int
    length: int
    record_id: str
    payload_digest: str | None
    date: str


@dataclass(slots=True)
class _OpenFile:
    path: Path
    handle: io.BufferedWriter
    size: int = 0


def warc_date(moment: dt.datetime) -> str:
    """WARC 1.1 date: UTC with microseconds."""
    utc = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return datetime_to_iso_date(utc, use_micros=True)


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
        current = _OpenFile(path=final, handle=handle)
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
        """Flush, fsync and rename the open file to its final name."""
        current, self._current = self._current, None
        if current is None:
            return
        current.handle.flush()
        os.fsync(current.handle.fileno())
        current.handle.close()
        os.replace(current.path.with_name(current.path.name + OPEN_SUFFIX), current.path)
        self.files_written.append(current.path.name)
        log.info("closed %s (%d bytes)", current.path, current.size)

    # -- records -------------------------------------------------------------

    def _append(self, record) -> tuple[int, int]:
        """Write one record as its own gzip member; return (offset, length) in the file."""
        buffer = io.BytesIO()
        self._builder._write_warc_record(buffer, record)
        member = gzip.compress(buffer.getvalue(), compresslevel=self.gzip_level, mtime=0)
        current = self._current
        assert current is not None
        offset = current.size
        current.handle.write(member)
        current.size += len(member)
        self.records_written += 1
        return offset, len(member)

    def write_exchange(self, exchange: HttpExchange) -> RecordLocation:
        """Write the response record, then its request record linked by WARC-Concurrent-To."""
        current = self._file_for_next_record()
        date = warc_date(exchange.fetched_at)
        warc_headers = {"WARC-Date": date}
        if exchange.ip_address:
            warc_headers["WARC-IP-Address"] = exchange.ip_address
        response_http = StatusAndHeaders(
            f"{exchange.status} {exchange.reason}".strip(),
            list(exchange.response_headers),
            protocol=exchange.protocol,
        )
        response = self._builder.create_warc_record(
            exchange.url,
            "response",
            payload=io.BytesIO(exchange.body),
            length=len(exchange.body),
            http_headers=response_http,
            warc_headers_dict=dict(warc_headers),
        )
        offset, length = self._append(response)
        response_id = response.rec_headers.get_header("WARC-Record-ID")

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
            warc_headers_dict={**warc_headers, "WARC-Concurrent-To": response_id},
        )
        self._append(request)
        return RecordLocation(
            filename=current.path.name,
            offset=offset,
            length=length,
            record_id=response_id,
            payload_digest=response.rec_headers.get_header("WARC-Payload-Digest"),
            date=date,
        )
