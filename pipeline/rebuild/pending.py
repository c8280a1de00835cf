"""Nothing lost when the database goes away mid-crawl.

Captures keep going to WARC while PostgreSQL is down. The store names what it could not write in
a marker file under var/pending/ (the WARC files of that run), as the run driver does for the files
of a killed run; the run driver stores every marker's files before and after each crawl
(run/crawl.py), with `reprocess`'s code, which is idempotent.
"""

from __future__ import annotations

import fcntl
import json
import logging
import uuid
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from pipeline.paths import data_dir
from pipeline.rebuild.reprocess import Reprocessor

log = logging.getLogger(__name__)


def pending_dir() -> Path:
    return data_dir() / "pending"


def mark_pending(collection: str, run_id: int | None, warc_files: list[str]) -> Path:
    """Names the WARC files to store later in a marker of their own (a run's, or one per recovery:
    workers of one distributed crawl may recover files at once), written whole or not at all."""
    folder = pending_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{collection}-run{run_id}" if run_id else f"{collection}-recovered-{uuid.uuid4().hex[:12]}"
    path = folder / f"{stem}.json"
    partial = path.with_suffix(".part")
    partial.write_text(json.dumps({"collection": collection, "warc_files": warc_files}, indent=2))
    partial.replace(path)
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
    """Store every pending marker's WARC files; remove each marker that succeeded. A marker another
    process is storing (workers of one distributed crawl) is left to it."""
    done = []
    for marker in sorted(pending_dir().glob("*.json")) if pending_dir().exists() else []:
        try:
            with marker.open("r") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                if not marker.exists():  # stored by the process that held the lock before
                    continue
                data = json.load(fh)
                if store_from_warcs(engine, data["collection"], data["warc_files"]):
                    marker.unlink(missing_ok=True)
                    done.append(marker.name)
        except (BlockingIOError, FileNotFoundError):  # being stored elsewhere, or stored already
            continue
        except (ValueError, KeyError, TypeError) as exc:
            log.error("pending marker %s is unreadable (%s): left in place", marker, exc)
    return done
