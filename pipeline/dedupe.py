"""Stage 3: exact duplicates within a run, counted. The store decides what is new: an article's
text becomes a new version only when its comparison hash differs from the latest version's, and a
URL variant or unchanged re-fetch is recorded as a decision rather than dropped unseen."""

from __future__ import annotations

from pipeline.items import PageItem


class ExactDedupePipeline:
    def __init__(self, stats=None) -> None:
        self.stats = stats
        self.seen: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item: PageItem) -> PageItem:
        key = (item.url_key or item.url, item.content_hash or "")
        if key in self.seen and self.stats:
            self.stats.inc_value("dedupe/same_article_same_text")
        self.seen.add(key)
        return item
