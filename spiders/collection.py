"""The collection spider: seeds and every discovery source the collection file configures, in one
crawl (one WARC series, one run row, one seen-URL filter shared by all sources)."""

from __future__ import annotations

from spiders.archives import ArchivesMixin
from spiders.base import DiscoverySpider
from spiders.commoncrawl import CommonCrawlMixin
from spiders.feeds import FeedsMixin
from spiders.references import ReferencesMixin
from spiders.sitemaps import SitemapsMixin


class CollectionSpider(
    SitemapsMixin, FeedsMixin, ReferencesMixin, ArchivesMixin, CommonCrawlMixin, DiscoverySpider
):
    """``python -m pipeline crawl`` runs this; ``scrapy crawl collection -a collection=NAME`` too."""

    name = "collection"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        c = self.collection
        if not (c.sitemaps or c.feeds or c.references or c.archives or c.commoncrawl or c.links):
            self.name = "seeds"  # a seed-only collection runs (and is recorded) as the seed crawl

    async def start(self):
        # In a distributed crawl one worker reads the seeds and sources; the rest start from the queue.
        frontier = getattr(self.crawler, "frontier", None)
        if frontier is not None and not frontier.claim_seeding():
            return
        async for request in super().start():  # the seeds first: curated, the surest coverage
            yield request
        for source in (
            self.sitemap_requests,
            self.feed_requests,
            self.reference_requests,
            self.archive_requests,
            self.commoncrawl_requests,
        ):
            for request in source():
                yield request
        if frontier is not None:
            frontier.seeding_done()
