"""Crawl runs: one crawl_runs row per run, opened at start and closed with the run's stats."""

from __future__ import annotations

import datetime as dt
import json
import logging

from sqlalchemy import insert, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from pipeline.models import CrawlRun

log = logging.getLogger(__name__)

# A run whose every request failed before any answer (no network, a dead proxy): its status says
# so, where "finished" would claim a crawl happened.
NOTHING_FETCHED = "nothing_fetched"


def _jsonable(stats: dict) -> dict:
    return json.loads(json.dumps(stats, default=str, sort_keys=True))


def start_run(engine: Engine, collection: str, spider: str) -> int:
    with engine.begin() as conn:
        return conn.execute(
            insert(CrawlRun).values(collection=collection, spider=spider).returning(CrawlRun.id)
        ).scalar_one()


def finish_run(engine: Engine, run_id: int, status: str, stats: dict, warc_files: list[str]) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(CrawlRun)
            .where(CrawlRun.id == run_id)
            .values(
                finished_at=dt.datetime.now(dt.UTC),
                status=status,
                stats=_jsonable(stats),
                warc_files=warc_files,
            )
        )



def mark_status(engine: Engine, run_id: int, status: str) -> None:
    """Corrects a closed run's status (the store closes every run as finished or its stop reason)."""
    try:
        with engine.begin() as conn:
            conn.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(status=status))
    except DBAPIError:
        log.warning("database unavailable: run %s is not marked %s", run_id, status)
