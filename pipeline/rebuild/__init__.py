"""Rebuilding from WARC files: the corpus made again from what was archived, with no network
(`reprocess.py`, also storing what a database outage kept out, `pending.py`), and checked against
it (`verify.py`). The same extraction and corpus write as the crawl, fed from WARC records."""
