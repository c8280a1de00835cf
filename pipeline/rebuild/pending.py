"""Nothing lost when the database goes away mid-crawl.

Captures keep going to WARC while PostgreSQL is down. The store names what it could not write in
a marker file under var/pending/ (the WARC files of that run), as the run driver does for the files
of a killed run; the run driver stores every marker's files before and after each crawl
(run/crawl.py), with `reprocess`'s code, which is idempotent.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from pipeline.paths import data_dir
from pipeline.rebuild.reprocess import Reprocessor

log = logging.getLogger(__name__)


def pending_dir() -> Path:
    return data_dir() / "pending"


def mark_pending(collection: str, run_id: int | None, warc_files: list[str]) -> Path:
    folder = pending_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{collection}-run{run_id or 0}.json"
    path.write_text(json.dumps({"collection": collection, "warc_files": warc_files}, indent=2))
    log.warning("database unavailable: %s names the WARC files to store later", path)
    return path


def store_from_warcs(engine: Engine, collection: str, warc_files: list[str]) -> bool:
    """Store what these WARC files hold; False if the database is still unavailable."""
    existing = [Path(p) for p in warc_files if Path(p).exists()]
    try:
        report = Reprocessor(engine, collection, "recover-after-outage").run(existing)
    except DBAPIError as exc:
        log.warning("database still unavailable (%s)", str(exc.orig or exc).splitlines()[0])
        return False
    log.info("stored from WARC after a database outage: %s", report.render().splitlines()[-1])
    return True


def process_pending(engine: Engine) -> list[str]:
    """Store every pending run's WARC files; remove each marker that succeeded."""
    done = []
    for marker in sorted(pending_dir().glob("*.json")) if pending_dir().exists() else []:
        data = json.loads(marker.read_text())
        if store_from_warcs(engine, data["collection"], data["warc_files"]):
            marker.unlink()
            done.append(marker.name)
    return done
