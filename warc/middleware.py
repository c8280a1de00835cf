"""Scrapy adapter for the WARC writer: every fetch is archived before anything parses it.

Runs at priority 950, below the downloader and above HttpCompressionMiddleware (590) and
RedirectMiddleware (600), so it sees each raw response: the body still in its Content-Encoding,
and every redirect as its own response.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured

from warc.outlinks import decoded_body, outlinks
from warc.writer import HttpExchange, RecordLocation, WarcFileWriter, payload_digest

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

log = logging.getLogger(__name__)

# Signal sent for every fetch attempt, with `capture=CaptureRecord`.
capture_recorded = object()

FETCH_STARTED = "warc_fetch_started"
LOCATION = "warc_location"  # where the payload is archived (the original record for a revisit)
CAPTURE_RECORD = "warc_capture_record_id"  # the record this fetch wrote (response or revisit)
REVISIT_OF = "warc_revisit_of"  # set by a spider making a conditional request: the archived copy
# Headers whose meaning no longer holds for the stored body (Twisted has already de-chunked it).
REWRITTEN_HEADERS = {"transfer-encoding": "X-Archive-Orig-Transfer-Encoding"}


@dataclass(frozen=True, slots=True)
class CaptureRecord:
    """One fetch as the corpus records it: a WARC location, or the reason it failed."""

    url: str
    method: str
    fetched_at: dt.datetime
    status: int | None = None
    error: str | None = None
    content_type: str | None = None
    content_length: int | None = None
    redirect_to: str | None = None
    ip_address: str | None = None
    location: RecordLocation | None = None
    warc_type: str | None = None  # 'response', or 'revisit' for an already-archived payload
    refers_to_record_id: str | None = None
    etag: str | None = None
    last_modified: str | None = None


def _header_pairs(headers) -> list[tuple[str, str]]:
    pairs = []
    for name, values in headers.items():
        text_name = name.decode("latin-1")
        text_name = REWRITTEN_HEADERS.get(text_name.lower(), text_name)
        pairs.extend((text_name, value.decode("latin-1")) for value in values)
    return pairs


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def exchange_from(request: Request, response: Response, started: dt.datetime) -> HttpExchange:
    """Turn Scrapy's request/response into the wire-level exchange the WARC stores."""
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request_headers = [("Host", parts.netloc)] + [
        pair for pair in _header_pairs(request.headers) if pair[0].lower() != "host"
    ]
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    return HttpExchange(
        url=response.url,
        method=request.method,
        request_target=target,
        request_headers=request_headers,
        request_body=request.body or b"",
        status=response.status,
        reason=reason,
        response_headers=_header_pairs(response.headers),
        body=response.body,
        fetched_at=started,
        protocol=response.protocol or "HTTP/1.1",
        ip_address=str(response.ip_address) if response.ip_address else None,
    )


# Looks up an earlier capture of (url, payload digest): its record location, or None.
PreviousCapture = Callable[[str, str], RecordLocation | None]


class WarcCaptureMiddleware:
    def __init__(
        self,
        writer: WarcFileWriter,
        crawler: Crawler | None = None,
        *,
        max_body: int = 32 * 1024 * 1024,
        previous_capture: PreviousCapture | None = None,
    ) -> None:
        self.writer = writer
        self.crawler = crawler
        self.max_body = max_body
        self._previous_capture = previous_capture
        self._archived_this_run: dict[tuple[str, str], RecordLocation] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_WARC_ENABLED"):
            raise NotConfigured("ARCHIVE_WARC_ENABLED is off")
        directory = settings.get("ARCHIVE_WARC_DIR")
        if not directory:
            raise NotConfigured("ARCHIVE_WARC_DIR not set")
        writer = WarcFileWriter(
            directory,
            prefix=settings.get("ARCHIVE_WARC_PREFIX"),
            max_bytes=settings.getint("ARCHIVE_WARC_MAX_BYTES"),
            gzip_level=settings.getint("ARCHIVE_WARC_GZIP_LEVEL"),
            warcinfo=settings.getdict("ARCHIVE_WARC_INFO"),
        )
        middleware = cls(writer, crawler, max_body=settings.getint("DOWNLOAD_MAXSIZE"))
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_closed(self) -> None:
        self.writer.close()
        if self.crawler and self.crawler.stats:
            self.crawler.stats.set_value("warc/files", list(self.writer.files_written))

    def _emit(self, capture: CaptureRecord) -> None:
        if self.crawler is not None:
            self.crawler.signals.send_catch_log(capture_recorded, capture=capture)

    def _inc(self, key: str, count: int = 1) -> None:
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)

    def process_request(self, request: Request) -> None:
        request.meta[FETCH_STARTED] = dt.datetime.now(dt.UTC)

    def previous_capture(self, url: str, digest: str) -> RecordLocation | None:
        """The same payload already archived for this URL, in this run or (via the corpus) before."""
        found = self._archived_this_run.get((url, digest))
        if found is None:
            lookup = self._previous_capture or getattr(self.crawler, "previous_capture", None)
            found = lookup(url, digest) if lookup else None
        return found

    def process_response(self, request: Request, response: Response) -> Response:
        started = request.meta.get(FETCH_STARTED) or dt.datetime.now(dt.UTC)
        exchange = exchange_from(request, response, started)
        digest = payload_digest(exchange.body)
        not_modified = response.status == 304 and request.meta.get(REVISIT_OF) is not None
        if not_modified:
            original = request.meta[REVISIT_OF]
        elif response.status == 200:
            original = self.previous_capture(response.url, digest)
        else:
            original = None
        if original is not None:
            location = self.writer.write_revisit(
                exchange, original, response.url, not_modified=not_modified
            )
            request.meta[LOCATION] = original  # the article's bytes live in the original record
            self._inc("warc/revisits")
        else:
            location = self.writer.write_exchange(exchange)
            request.meta[LOCATION] = location
            self._archived_this_run[(response.url, digest)] = location
        request.meta[CAPTURE_RECORD] = location.record_id
        self.writer.write_metadata(
            response.url, location.date, location.record_id, self._metadata(request, response)
        )
        self._inc("warc/records_written", 3)
        self._inc("warc/bytes_written", location.length)
        location_header = response.headers.get("Location")
        content_type = response.headers.get("Content-Type")
        self._emit(
            CaptureRecord(
                url=response.url,
                method=request.method,
                fetched_at=started,
                status=response.status,
                content_type=content_type.decode("latin-1") if content_type else None,
                content_length=len(response.body),
                redirect_to=location_header.decode("latin-1") if location_header else None,
                ip_address=exchange.ip_address,
                location=location,
                warc_type="revisit" if original else "response",
                refers_to_record_id=original.record_id if original else None,
                etag=_header(response, "ETag"),
                last_modified=_header(response, "Last-Modified"),
            )
        )
        return response

    def _metadata(self, request: Request, response: Response) -> list[tuple[str, str]]:
        """How the page was found and where it points: Heritrix-style warc-fields."""
        spider = getattr(self.crawler, "spider", None)
        fields = [("software", "incident-archive"), ("spider", getattr(spider, "name", "?"))]
        if request.meta.get("discovered_via"):
            fields.append(("discovered-via", request.meta["discovered_via"]))
        if request.meta.get("discovered_from"):
            fields.append(("via", request.meta["discovered_from"]))
        redirected_from = request.meta.get("redirect_urls")
        if redirected_from:
            fields.append(("redirected-from", redirected_from[-1]))
        location = response.headers.get("Location")
        if location:
            fields.append(("outlink", response.urljoin(location.decode("latin-1")) + " R Location"))
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
        if response.status == 200 and "html" in content_type:
            encoding = response.headers.get("Content-Encoding")
            body = decoded_body(
                encoding.decode("latin-1") if encoding else None, response.body, self.max_body
            )
            for url in outlinks(body, response.url) if body else []:
                fields.append(("outlink", f"{url} L a/@href"))
        return fields

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, IgnoreRequest) or FETCH_STARTED not in request.meta:
            return None  # nothing was fetched
        self._inc("warc/fetch_failures")
        reason = f"{type(exception).__name__}: {exception}".strip().rstrip(":")
        self._emit(
            CaptureRecord(
                url=request.url,
                method=request.method,
                fetched_at=request.meta[FETCH_STARTED],
                error=reason,
            )
        )
        return None
