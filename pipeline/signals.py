"""Signals of the archive's own, beside Scrapy's.

`page_not_modified`: a conditional re-fetch got 304 Not Modified; sent by a spider with
`url`, `fetched_at`, `capture_record_id` (the revisit record written for the 304) and
`original_record_id` (the archived response it stands for). The store counts it as an unchanged
re-fetch of that article.
"""

page_not_modified = object()
