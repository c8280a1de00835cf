"""The Scrapy project package: settings, items, item pipelines, corpus models and the command line."""
