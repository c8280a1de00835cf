"""The item pipeline, named once: the stages a fetched page goes through, in order, and what a
collection sets in them.

The crawl registers STAGES as Scrapy's ITEM_PIPELINES (settings.py). Reprocess builds the same
classes from the same settings (`processing_stages`) and runs all but the store over archived
pages, so that the same bytes give the same rows.
"""

from __future__ import annotations

from scrapy.exceptions import NotConfigured
from scrapy.settings import Settings
from scrapy.utils.misc import load_object

from pipeline.collection import Collection
from pipeline.normalize.forms import outlet_names

EXTRACT = "pipeline.extract.pool.PooledExtractPipeline"
STORE = "pipeline.store.postgres.PostgresPipeline"
STAGES = (
    EXTRACT,  # the article in the page (extract/)
    "pipeline.normalize.forms.NormalizePipeline",  # normal forms: text, canonical URL, outlet
    "pipeline.relevance.RelevancePipeline",  # on the collection's topic
    "pipeline.dedupe.exact.ExactDedupePipeline",  # repeats within the run, counted
    STORE,  # versions, decisions, stories (store/, dedupe/)
)


def item_pipelines() -> dict[str, int]:
    """STAGES as Scrapy's ITEM_PIPELINES: their order as priorities 100, 200, ..."""
    return {path: 100 * n for n, path in enumerate(STAGES, 1)}


def collection_settings(collection: Collection | None) -> dict:
    """What a collection sets in the stages: outlet names, the topic's keywords and threshold."""
    if collection is None:
        return {}
    settings: dict = {"ARCHIVE_OUTLET_NAMES": outlet_names(collection)}
    if collection.keywords:
        settings["DISCOVERY_KEYWORDS"] = list(collection.keywords)
    if collection.links is not None:
        settings["DISCOVERY_MIN_SCORE"] = collection.links.min_score
    return settings


def stage_settings(collection: Collection | None, **overrides) -> Settings:
    """The project's settings with what the collection sets (the crawl adds its own on top)."""
    settings = Settings()
    settings.setmodule("pipeline.settings", priority="project")
    settings.setdict(collection_settings(collection) | overrides, priority="cmdline")
    return settings


def processing_stages(settings: Settings, stats=None) -> list:
    """The stages before the store, built as the crawl builds them (a stage a setting turns off is
    left out), for a run over pages that are already archived."""
    stages = []
    for path in STAGES:
        if path == STORE:
            continue
        try:
            stages.append(load_object(path).configured(settings, stats))
        except NotConfigured:
            continue
    return stages
