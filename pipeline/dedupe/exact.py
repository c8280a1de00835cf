"""Stage 3: exact duplicates within a run, counted. The store decides what is new: an article's
text becomes a new version only when its comparison hash differs from the latest version's, and a
URL variant or unchanged re-fetch is recorded as a decision rather than dropped unseen."""

from __future__ import annotations

from collections import OrderedDict

from pipeline.items import PageItem
from pipeline.stagetime import timed

RECENT = 10_000  # (article, text) pairs remembered: the count is of repeats among recent pages


class ExactDedupePipeline:
    def __init__(self, stats=None, recent: int = RECENT) -> None:
        self.stats = stats
        self.recent = recent
        self.seen: OrderedDict[tuple[str, str], None] = OrderedDict()

    @classmethod
    def from_crawler(cls, crawler):
        return cls.configured(crawler.settings, crawler.stats)

    @classmethod
    def configured(cls, settings, stats=None):
        return cls(stats)

    @timed("dedupe")
    def process_item(self, item: PageItem) -> PageItem:
        key = (item.url_key or item.url, item.content_hash or "")
        if key in self.seen:
            self.seen.move_to_end(key)
            if self.stats:
                self.stats.inc_value("dedupe/same_article_same_text")
        else:
            self.seen[key] = None
            if len(self.seen) > self.recent:
                self.seen.popitem(last=False)
        return item
