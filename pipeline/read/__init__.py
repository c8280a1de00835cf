"""Reading the corpus back: search, export with citations, the coverage report, an article's
versions, replay and WACZ packages of the WARC files, the schema's documentation; queries run as the
read-only researcher role. `dropcollection.py` removes one collection's rows."""
