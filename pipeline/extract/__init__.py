"""Extraction: from a page's archived bytes to its article's text and metadata, or the reason it has none.

`article.py` is the one entry point (`extract_page` and the item stage); the other modules each read
one thing from the page. `pool.py` runs it in worker processes that `forkserver.py` starts.
"""
