"""References: every URL a reference page cites (a Wikipedia article's reference list), with the
archived copy the citation gives ("Archived from the original"), fetched when the live one fails."""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.http import Response, TextResponse

from spiders.archivehosts import ARCHIVE_HOSTS
from spiders.base import DiscoverySpider
from spiders.pages import ARCHIVE_URL, raw_archive_url

# Wikipedia's reference list; other pages: any list item holding a <cite>.
CITATION_ITEMS = "//ol[contains(@class, 'references')]/li | //div[contains(@class, 'reflist')]//li"


def is_archive(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return bool(ARCHIVE_URL.match(url)) or any(host == h or host.endswith("." + h) for h in ARCHIVE_HOSTS)


def citations(response: TextResponse) -> list[tuple[str, str | None]]:
    """(cited URL, archived copy or None) per citation, in page order."""
    items = response.xpath(CITATION_ITEMS) or response.xpath("//li[.//cite]")
    own_host = urlsplit(response.url).hostname
    found = []
    for item in items:
        original, archived = None, None
        for href in item.xpath(".//a/@href").getall():
            url = response.urljoin(href.strip())
            host = urlsplit(url).hostname
            if urlsplit(url).scheme not in ("http", "https") or host == own_host:
                continue
            if is_archive(url):
                archived = archived or url
                m = ARCHIVE_URL.match(url)
                original = original or (m["url"] if m else None)
            elif original is None:
                original = url
        if original:
            found.append((original, archived))
    return found


class ReferencesMixin:
    def reference_requests(self):
        for source in self.collection.references:
            request = self.source_request(source.url, self.parse_references, "references")
            if request is not None:
                yield request

    def parse_references(self, response: Response):
        self.note_source(response)
        if not isinstance(response, TextResponse):
            self.failures[response.url] = "references: not a text page"
            return
        cited = citations(response)
        self.count("references/cited", len(cited))
        for original, archived in cited:
            copy = raw_archive_url(archived) if archived else None
            request = self.candidate(original, "references", response.url, archive_copy=copy)
            if request is not None:
                yield request


class ReferencesSpider(ReferencesMixin, DiscoverySpider):
    """``scrapy crawl references``: the collection's [[references]] alone."""

    name = "references"

    async def start(self):
        for request in self.reference_requests():
            yield request
