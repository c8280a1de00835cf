"""Running a crawl: the lock, the Scrapy process, the shared frontier of several workers, the log
and the summary, and the crontab line that runs it unattended."""
