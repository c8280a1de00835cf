"""Deduplication: which article a page is, and which story a text belongs to.

URL variants are folded into their article or kept apart (`folds.py`); near-duplicate texts across
outlets join one story (`stories.py`, by the MinHash signatures of `signatures.py`, judged by
`containment.py`); `exact.py` is the crawl stage that counts repeats within a run.
"""
