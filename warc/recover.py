"""Recovery of WARC files left open by a killed crawl (`*.warc.gz.open`).

Every record is flushed as one complete gzip member, so a killed writer leaves a file whose
records are all whole except perhaps the last. Recovery keeps every whole record, truncates the
torn tail, and renames the file as closed; a file with no whole record beyond its warcinfo is
moved to `quarantine/` for a person to look at. A file another live writer holds is left alone.
"""

from __future__ import annotations

import fcntl
import logging
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from warc.writer import OPEN_SUFFIX

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Recovery:
    path: Path
    action: str  # "recovered" or "quarantined"
    records: int
    bytes_dropped: int

    def __str__(self) -> str:
        return (
            f"{self.action} {self.path.name}: {self.records} whole records kept, "
            f"{self.bytes_dropped} bytes of torn tail dropped"
        )


def whole_records(path: Path) -> tuple[int, int]:
    """(number of whole records, byte offset where the last whole record ends)."""
    count, end = 0, 0
    with path.open("rb") as fh:
        records = ArchiveIterator(fh)
        try:
            for _ in records:
                records.read_to_end()
                count += 1
                end = records.get_record_offset() + records.get_record_length()
        except (ArchiveLoadFailed, EOFError, OSError, ValueError, zlib.error):
            pass
    return count, end


def recover_open_files(directory: Path) -> list[Recovery]:
    """Recover every `.open` file no live writer holds. Several workers may start at once on one
    folder: each file is recovered under its lock, by whichever worker takes the lock first."""
    results = []
    for path in sorted(Path(directory).glob(f"*{OPEN_SUFFIX}")):
        try:
            handle = path.open("r+b")
        except FileNotFoundError:
            continue  # another worker recovered it a moment ago
        with handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log.info("%s is being written by a running crawl: left alone", path)
                continue
            if not path.exists():
                continue  # recovered and renamed between our glob and our lock
            results.append(_recover(path, handle))
        log.warning("%s", results[-1])
    return results


def _recover(path: Path, handle) -> Recovery:
    size = path.stat().st_size
    count, end = whole_records(path)
    if count > 1:  # more than the warcinfo record
        handle.truncate(end)
        os.fsync(handle.fileno())
        target = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
        os.replace(path, target)
        return Recovery(target, "recovered", count, size - end)
    quarantine = path.parent / "quarantine"
    quarantine.mkdir(exist_ok=True)
    target = quarantine / path.name
    os.replace(path, target)
    return Recovery(target, "quarantined", count, size - end)
