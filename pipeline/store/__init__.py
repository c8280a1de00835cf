"""Storage: the crawl's captures and articles written to the corpus in PostgreSQL.

`postgres.py` is the crawl stage that buffers and batches; `corpus.py` writes one batch per
transaction (captures, articles, versions when the text changed, folds and stories); `runs.py` keeps
a run's row; `recrawl.py` reads back what the corpus knows of a URL for the next fetch.
"""
