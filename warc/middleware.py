"""Scrapy adapter for the WARC writer: every fetch is archived before anything parses it.

Runs at priority 950, below the downloader and above HttpCompressionMiddleware (590) and
RedirectMiddleware (600), so it sees each raw response: the body still in its Content-Encoding,
and every redirect as its own response.

The records are built, compressed and written in a process of its own (WriterProcess), which the
response waits for: it goes on with its record's location, so the store and the spider have it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import time
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.internet import threads

from warc import writer as warc_writer
from warc.childprocess import Child, ChildGone, Message, start_python
from warc.writer import Fetch, FetchWriter, HttpExchange, RecordLocation, WarcFileWriter, payload_digest

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
PAGE_LINKS = "warc_page_links"  # the page's links as the writer read them (outlinks.PageLinks), or None
STAGE_SECONDS = "stage_seconds/warc"  # reactor time spent capturing (the writer process's is not)
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


class CorpusLookup(Protocol):
    """What the corpus holds of a URL (pipeline/store/lookup.py is the corpus's own)."""

    def surely_lacks(self, url: str) -> bool: ...
    def previous_capture(self, url: str, digest: str) -> RecordLocation | None: ...


def corpus_lookup(crawler: Crawler) -> Any | None:
    """The component the setting ARCHIVE_CORPUS_LOOKUP names, built for this crawler, as Scrapy
    builds the cache storage HTTPCACHE_STORAGE names; None when the setting is empty or the
    component is not configured (no database), which the log says."""
    path = crawler.settings.get("ARCHIVE_CORPUS_LOOKUP")
    if not path:
        return None
    try:
        return build_from_crawler(load_object(path), crawler)
    except NotConfigured as reason:
        log.info("no corpus to ask about earlier fetches (%s): responses are archived whole", reason)
        return None


class WriterProcess:
    """The WARC writer in a process of its own. Building the records, parsing a page for its links
    (for its metadata record, and for the spider, which is spared its own parse) and gzip are
    mostly Python: a thread would take that time from the reactor (the GIL), a process takes it to
    another core. One process, so the records are written in the order they are sent. It runs from
    the spider's opening (its start overlaps the crawl's) to its closing, after everything sent.
    Its pipes are the event loop's (childprocess.Child): no thread of ours in the crawl. A process
    that dies is replaced and the fetches it held sent again, but for one that a second process
    died writing; its file stays `.open`, for recovery. Without the asyncio reactor, the fetches
    are written on the reactor thread."""

    def __init__(self, writer: WarcFileWriter, max_body: int, stats=None) -> None:
        self.options = writer.options()
        self.max_body = max_body
        self.stats = stats
        self.child: Child | None = None
        self.inline: FetchWriter | None = None  # without an event loop, or once closed: written here
        self.closed = False

    def start(self) -> None:
        if self.inline is not None or self.child is not None:
            return
        try:
            start = Message.of(("start", self.options, self.max_body))
        except RuntimeError:  # no event loop runs: a reactor other than asyncio's
            log.warning("the WARC writer runs on the reactor thread: it needs the asyncio reactor")
            self.inline = FetchWriter(WarcFileWriter(**self.options), self.max_body)
            return
        code = Path(warc_writer.__file__).resolve().parent.parent  # this very code, in the child too
        self.child = start_python("from warc.writer import serve; serve()", self._lost, cwd=str(code))
        self.child.send(start)

    def _lost(self, child: Child, held: list[Message]) -> None:
        child.process.wait()  # its answer pipe closed as it exited
        self.child = None
        if held and held[0].tries > 1:
            held.pop(0).settle(False, ChildGone("two WARC writer processes died writing this fetch"))
        if self.closed:
            for message in held:
                message.settle(False, ChildGone("the WARC writer process died"))
            return
        log.error("the WARC writer process died: another one takes over, its fetches are sent again")
        if self.stats is not None:
            self.stats.inc_value("warc/writer_restarts")
        try:
            self.start()
            for message in held:  # a start among them too: a second start does no harm
                self.child.send(message)
        except OSError as exc:
            for message in held:
                message.settle(False, exc)

    def send(self, fetch: Fetch) -> asyncio.Future | tuple:
        """Hand the fetch over (pickled here, on the reactor thread): the future of its answer, or
        when it is written here the answer itself: (where its record is, the original it revisits
        or None, the page's links)."""
        self.start()
        if self.inline is not None:
            return self.inline.write(fetch)
        message = Message.of(("write", fetch))
        self.child.send(message)
        return message.answer

    async def close(self) -> list[str]:
        """Close the file after everything sent before; the names of the files written."""
        self.closed = True
        inline, self.inline = self.inline, FetchWriter(WarcFileWriter(**self.options), self.max_body)
        child, self.child = self.child, None
        if inline is not None:  # no process: they were written here
            inline.writer.close()
            return list(inline.writer.files_written)
        if child is None:
            return []
        closing = Message.of(("close",))
        child.send(closing)
        try:
            return await closing.answer
        except ChildGone:
            log.error("the WARC writer process died: its open file is recovered by the next run")
            return []
        finally:
            child.end()  # it ends at the end of its input
            child.process.wait(timeout=10)


class WarcCaptureMiddleware:
    def __init__(
        self,
        writer: WarcFileWriter,
        crawler: Crawler | None = None,
        *,
        max_body: int = 32 * 1024 * 1024,
        lookup: CorpusLookup | None = None,
    ) -> None:
        self.writer = writer
        self.crawler = crawler
        self.max_body = max_body
        self.lookup = lookup  # none: every response is archived whole, never as a revisit
        self.process = WriterProcess(writer, max_body, crawler.stats if crawler else None)

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
        lookup = corpus_lookup(crawler)
        middleware = cls(writer, crawler, max_body=settings.getint("DOWNLOAD_MAXSIZE"), lookup=lookup)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self) -> None:
        self.process.start()

    async def spider_closed(self) -> None:
        self.writer.files_written[:] = await self.process.close()
        if self.crawler and self.crawler.stats:
            self.crawler.stats.set_value("warc/files", list(self.writer.files_written))

    def _emit(self, capture: CaptureRecord) -> None:
        if self.crawler is not None:
            self.crawler.signals.send_catch_log(capture_recorded, capture=capture)

    def _inc(self, key: str, count: float = 1) -> None:
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)

    def process_request(self, request: Request) -> None:
        request.meta[FETCH_STARTED] = dt.datetime.now(dt.UTC)

    async def process_response(self, request: Request, response: Response) -> Response:
        began = time.perf_counter()
        started = request.meta.get(FETCH_STARTED) or dt.datetime.now(dt.UTC)
        exchange = exchange_from(request, response, started)
        fields, links_encoding = self._metadata(request, response)
        fetch = Fetch(exchange, payload_digest(exchange.body), fields, links_encoding)
        if response.status == 304 and request.meta.get(REVISIT_OF) is not None:
            fetch = dataclasses.replace(fetch, not_modified_of=request.meta[REVISIT_OF])
        lookup = self.lookup
        spent = time.perf_counter() - began
        if (
            response.status == 200
            and fetch.not_modified_of is None
            and lookup is not None
            and not lookup.surely_lacks(response.url)  # most pages of a first crawl
        ):
            # The corpus's earlier copy of this payload, asked for off the reactor thread.
            earlier = await maybe_deferred_to_future(
                threads.deferToThread(lookup.previous_capture, response.url, fetch.digest)
            )
            fetch = dataclasses.replace(fetch, earlier_copy=earlier)
        began = time.perf_counter()
        sent = self.process.send(fetch)
        spent += time.perf_counter() - began
        location, original, links = sent if isinstance(sent, tuple) else await sent
        resumed = time.perf_counter()
        request.meta[PAGE_LINKS] = links  # None too: a redirect's request carries no earlier page's
        capture = self._recorded(request, response, exchange, location, original)
        self._inc(STAGE_SECONDS, spent + time.perf_counter() - resumed)
        self._emit(capture)  # the store's time, not the WARC's
        return response

    def _recorded(self, request, response, exchange, location, original) -> CaptureRecord:
        """Back on the reactor: the record's location to the request, the stats, the capture."""
        request.meta[LOCATION] = original or location  # a revisit's bytes live in the original record
        request.meta[CAPTURE_RECORD] = location.record_id
        if original is not None:
            self._inc("warc/revisits")
        self._inc("warc/records_written", 3)
        self._inc("warc/bytes_written", location.length)
        location_header = response.headers.get("Location")
        content_type = response.headers.get("Content-Type")
        return CaptureRecord(
            url=response.url,
            method=request.method,
            fetched_at=exchange.fetched_at,
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

    def _metadata(self, request: Request, response: Response) -> tuple[list[tuple[str, str]], str | None]:
        """How the page was found and where it points: Heritrix-style warc-fields.

        The page's own links are read by the writer process; the second item is the
        Content-Encoding to read them through ("" for none), or None when there are none to read.
        """
        spider = getattr(self.crawler, "spider", None)
        fields = [("software", "incident-archive"), ("spider", getattr(spider, "name", "?"))]
        if request.meta.get("discovered_via"):
            fields.append(("discovered-via", request.meta["discovered_via"]))
        if request.meta.get("discovered_from"):
            fields.append(("via", request.meta["discovered_from"]))
        if request.meta.get("discovery_source"):
            fields.append(("discovery-source", request.meta["discovery_source"]))
        redirected_from = request.meta.get("redirect_urls")
        if redirected_from:
            fields.append(("redirected-from", redirected_from[-1]))
        location = response.headers.get("Location")
        if location:
            fields.append(("outlink", response.urljoin(location.decode("latin-1")) + " R Location"))
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
        if response.status != 200 or "html" not in content_type:
            return fields, None
        encoding = response.headers.get("Content-Encoding")
        return fields, encoding.decode("latin-1") if encoding else ""

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
