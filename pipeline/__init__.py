"""The archive's Python package, one subpackage per stage of the data flow.

A fetched page goes extract/ → normalize/ → dedupe/ → store/; run/ drives a crawl, rebuild/ makes the
corpus again from WARC files, read/ gives it back to researchers, and demo/ is the offline fixture
web. The modules at this level are what every stage shares: items, settings, paths, the database,
the collection file, the corpus models and the command line.
"""
