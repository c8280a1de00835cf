"""Signals of the archive's own, beside Scrapy's.

`page_not_modified`: a conditional re-fetch got 304 Not Modified; sent by a spider with
`url`, `fetched_at`, `capture_record_id` (the revisit record written for the 304) and
`original_record_id` (the archived response it stands for). The store counts it as an unchanged
re-fetch of that article.

`capture_noted`: an archived capture that yields no page for the item pipeline (not text, stopped
by the size limit while it was decompressed, replaced by its archived copy); sent by a spider with
`capture_record_id` and `note`. The store writes the note on the capture, so that every fetched
page keeps why it is not an article.
"""

page_not_modified = object()


def source_note(via: str) -> str:
    """The note on a discovery document's capture (a reference page, a feed, a sitemap): the crawl
    and a rebuild from the WARC files write the same."""
    return f"discovery source ({via}): read for its links, not an article"


capture_noted = object()
