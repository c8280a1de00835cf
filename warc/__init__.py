"""WARC capture: a Scrapy-free writer (writer.py) and the Scrapy downloader middleware (middleware.py)."""
