"""Stage 3: exact duplicates within a run. The same canonical URL with the same text is kept once.

Across runs the store decides: an article's text becomes a new version only when its hash
differs from the article's latest version.
"""

from __future__ import annotations

from scrapy.exceptions import DropItem

from pipeline.items import PageItem


class ExactDedupePipeline:
    def __init__(self, stats=None) -> None:
        self.stats = stats
        self.seen: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item: PageItem) -> PageItem:
        key = (item.canonical_url or item.url, item.content_hash or "")
        if key in self.seen:
            if self.stats:
                self.stats.inc_value("dedupe/same_url_same_text")
            raise DropItem(f"{item.url}: same text as {item.canonical_url}, already seen this run")
        self.seen.add(key)
        return item
