"""What the corpus holds of a URL, for the components that ask before they fetch or archive: the
WARC middleware (an identical payload already archived becomes a revisit record) and the spiders
(a page the corpus holds is re-fetched conditionally, or not yet, under the re-crawl policy).

The setting ARCHIVE_CORPUS_LOOKUP names the class, as HTTPCACHE_STORAGE names Scrapy's cache
storage; each component builds its own (warc.middleware.corpus_lookup).
"""

from __future__ import annotations

from scrapy.exceptions import NotConfigured
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from pipeline.database import engine_for
from pipeline.store.recrawl import CapturedUrls, PreviousFetch, archived_payload, previous_fetch
from warc.middleware import CaptureRecord, capture_recorded
from warc.writer import RecordLocation


class CorpusLookup:
    """Answers from the corpus's captures table; when the database is away, that it knows nothing
    (the response is archived whole, the page fetched unconditionally: nothing is lost)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.captured = CapturedUrls(engine)  # spares a first crawl a query per page

    @classmethod
    def from_crawler(cls, crawler):
        url = crawler.settings.get("DATABASE_URL")
        if not url:
            raise NotConfigured("DATABASE_URL not set")
        lookup = cls(engine_for(url))
        crawler.signals.connect(lookup.on_capture, signal=capture_recorded)
        return lookup

    def on_capture(self, capture: CaptureRecord) -> None:
        if capture.warc_type == "response":
            self.captured.add(capture.url)

    def surely_lacks(self, url: str) -> bool:
        """True when the corpus surely holds no response of `url`, known without a query (asked on
        the reactor thread, before `previous_capture` is asked on another)."""
        return self.captured.surely_lacks(url)

    def previous_capture(self, url: str, digest: str) -> RecordLocation | None:
        """Where the corpus's response of `url` with this payload digest is archived, if any."""
        if not self.captured.may_hold(url):
            return None
        try:
            return archived_payload(self.engine, url, digest)
        except DBAPIError:
            return None

    def last_capture(self, url: str) -> PreviousFetch | None:
        """The URL's last fetch (validators, times, archived copy), for a conditional re-fetch."""
        if not self.captured.may_hold(url):
            return None
        try:
            return previous_fetch(self.engine, url)
        except DBAPIError:
            return None
