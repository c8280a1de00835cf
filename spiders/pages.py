"""A fetched page as the item pipeline takes it: one builder for every spider, and for reprocess,
which rebuilds the response from its WARC record, so that the same bytes give the same item."""

from __future__ import annotations

import datetime as dt
import re

from scrapy.http import TextResponse

from pipeline.items import PageItem
from warc.middleware import CAPTURE_RECORD, FETCH_STARTED, LOCATION

# <prefix>/<14-digit timestamp>[id_|if_|...]/<original URL>: the Wayback Machine and pywb alike.
ARCHIVE_URL = re.compile(r"^(?P<prefix>https?://.+?/)(?P<ts>\d{4,14})(?:[a-z]{2}_)?/(?P<url>https?://.+)$")
ORIGINAL_URL = "archive_original_url"  # meta: the archive copy stands for this live URL


def raw_archive_url(url: str) -> str | None:
    """The archive URL that answers the archived bytes unchanged (``<ts>id_/``), or None."""
    m = ARCHIVE_URL.match(url)
    return f"{m['prefix']}{m['ts']}id_/{m['url']}" if m else None


def archive_time(url: str) -> dt.datetime | None:
    """The capture time in an archive URL (UTC), padded as the Wayback Machine pads it."""
    m = ARCHIVE_URL.match(url)
    if not m:
        return None
    stamp = (m["ts"] + "0101000000")[:14] if len(m["ts"]) < 6 else m["ts"].ljust(14, "0")
    try:
        return dt.datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def memento_time(response: TextResponse) -> dt.datetime | None:
    """The capture time a Memento archive states (RFC 7089 Memento-Datetime), or None."""
    captured = response.headers.get("Memento-Datetime")
    if not captured:
        return None
    try:
        when = dt.datetime.strptime(captured.decode("latin-1"), "%a, %d %b %Y %H:%M:%S GMT")
    except ValueError:
        return None
    return when.replace(tzinfo=dt.UTC)


def page_item(response: TextResponse) -> PageItem:
    """The archived page of a response the WARC middleware recorded. An archive's copy of a live
    URL (meta ORIGINAL_URL) stands for that URL, with the copy's address and capture time kept."""
    meta = response.meta
    item = PageItem(
        url=response.url,
        body=response.body,
        encoding=response.encoding,
        fetched_at=meta.get(FETCH_STARTED) or dt.datetime.now(dt.UTC),
        warc=meta[LOCATION],
        capture_record_id=meta.get(CAPTURE_RECORD),
        content_type=(response.headers.get("Content-Type") or b"").decode("latin-1") or None,
        discovered_via=meta.get("discovered_via", "seeds"),
        discovered_from=meta.get("discovered_from"),
    )
    if original := meta.get(ORIGINAL_URL):
        when = memento_time(response) or archive_time(response.url)
        item.stands_for(original, response.url, when)
    return item
