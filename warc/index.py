"""A collection's CDXJ index: what pywb (or any Wayback-style tool) needs to replay its WARC files.

The index is derived data, rebuilt from the closed WARC files whenever asked; it is written whole to
a temporary file and renamed, so a replay server that re-reads it per request never sees half of it.
Files still being written (`.warc.gz.open`) are left out: their last record may be incomplete.

Each closed WARC file has its own sorted index in `.cdxj/` (pywb's cdxj-indexer lines, the first
line naming the WARC's size): the crawl's WARC writer makes it as it writes the records, and any
file without a current one (imported, recovered, or from an older version) is indexed when the
collection's index is next rebuilt. A rebuild then merges sorted files, and reads no WARC again.
"""

from __future__ import annotations

import datetime as dt
import heapq
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.timeutils import iso_date_to_timestamp

INDEX_NAME = "index.cdxj"
SIDECAR_DIR = ".cdxj"  # in the collection's WARC folder: one index per closed WARC file
_SIZE_LINE = "#warc-bytes "  # a per-file index's first line: the size of the WARC it indexes


def closed_warcs(collection_dir: Path) -> list[Path]:
    """The collection's finished WARC files, by name (names start with a timestamp)."""
    return sorted(p for p in Path(collection_dir).glob("*.warc.gz") if p.is_file())


def update_index(collection_dir: Path) -> Path:
    """(Re)write `collection_dir/index.cdxj`: one sorted pywb CDXJ line per response, revisit,
    resource and metadata record of every closed WARC file in the folder."""
    collection_dir = Path(collection_dir)
    target = collection_dir / INDEX_NAME
    sidecars = [_current_sidecar(path) for path in closed_warcs(collection_dir)]
    with _replaced_whole(target) as out, ExitStack() as files:
        # SURT key then timestamp, in the byte order pywb's binary search needs (UTF-8 sorts as
        # its code points do): each file's lines are sorted, so merging keeps the order.
        streams = [_lines(files.enter_context(path.open(encoding="utf-8"))) for path in sidecars]
        out.writelines(heapq.merge(*streams))
    return target


def sidecar_path(warc: Path) -> Path:
    return warc.parent / SIDECAR_DIR / (warc.name + ".cdxj")


def write_sidecar(warc: Path, lines: list[str]) -> Path:
    """Write the closed WARC file's own index (its lines, in any order), atomically."""
    target = sidecar_path(warc)
    target.parent.mkdir(exist_ok=True)
    with _replaced_whole(target) as out:
        out.write(f"{_SIZE_LINE}{warc.stat().st_size}\n")
        out.writelines(sorted(lines))
    return target


@contextmanager
def _replaced_whole(target: Path) -> Iterator[io.TextIOBase]:
    """A text file that replaces `target` whole once written (fsynced, then renamed), or not at all.
    Its temporary name is its own: crawlers sharing a folder may write one index at once."""
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _current_sidecar(warc: Path) -> Path:
    """The WARC file's own index, made now if it has none for the file as it is."""
    sidecar = sidecar_path(warc)
    try:
        with sidecar.open(encoding="utf-8") as fh:
            if fh.readline() == f"{_SIZE_LINE}{warc.stat().st_size}\n":
                return sidecar
    except (OSError, UnicodeDecodeError):
        pass
    out = io.StringIO()
    _indexer_class()(out, [str(warc)]).process_all()
    return write_sidecar(warc, out.getvalue().splitlines(keepends=True))


def _lines(fh) -> Iterator[str]:
    fh.readline()  # the size line
    yield from fh


class RecordIndexer:
    """CDXJ lines for records as a writer appends them: pywb's cdxj-indexer makes each line from
    the record just written (the warcio record, its headers final once written), placed at its
    offset and length in the WARC file `filename`.

    The indexer is handed the record, not its bytes: reading them back (a new ArchiveIterator and
    record loader per record, its gzip member inflated and parsed) cost the writer more than
    building, writing and gzipping the record did. A record whose
    HTTP headers a reader would not see as they were built (space around a value, a line break
    in one) is read back from its bytes, so that the lines are always cdxj-indexer's over the
    finished file, as a test checks."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.lines: list[str] = []
        self._out = io.StringIO()
        self._indexer = _indexer_class()(self._out, [], filename=filename)
        self._indexer.curr_filename = filename  # what its process_one sets for each input

    def add(self, record, member: bytes, offset: int) -> None:
        """Index `record`, written as the gzip `member` at `offset`."""
        if not _reads_back_as_built(record.http_headers):
            record = next(iter(ArchiveIterator(io.BytesIO(member), arc2warc=True)))
        self._indexer.process_index_entry(_Placed(offset, len(member)), record, self.filename, self._out)
        self.lines += self._out.getvalue().splitlines(keepends=True)
        self._out.seek(0)
        self._out.truncate()


def _reads_back_as_built(headers) -> bool:
    """Whether a reader parses these HTTP headers to the same names and values: it strips each,
    and a line break in one starts another header."""
    return headers is None or all(
        part == part.strip() and "\r" not in part and "\n" not in part
        for pair in headers.headers
        for part in pair
    )


@dataclass(frozen=True, slots=True)
class _Placed:
    """A record's place in its file, asked of it as of the ArchiveIterator that read it."""

    offset: int
    length: int

    def get_record_offset(self) -> int:
        return self.offset

    def get_record_length(self) -> int:
        return self.length


@cache
def _indexer_class():
    """cdxj-indexer's CDXJIndexer (imported when first needed: most runs find every file indexed
    already)."""
    from cdxj_indexer import CDXJIndexer

    return CDXJIndexer


def wayback_timestamp(moment: str | dt.datetime) -> str:
    """14-digit Wayback timestamp (UTC) of a WARC-Date string or a datetime (naive means UTC)."""
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
        return moment.strftime("%Y%m%d%H%M%S")
    return iso_date_to_timestamp(moment)


def replay_url(
    base: str,
    collection: str,
    warc_date_or_datetime: str | dt.datetime,
    url: str,
    *,
    raw: bool = False,
) -> str:
    """The replay address of `url` as captured at that moment: `{base}/{collection}/{ts}/{url}`
    (pywb's page view), or with `raw=True` the `id_` form: the archived response unrewritten,
    still gzip-encoded if it was and the client accepts gzip, else decoded by pywb."""
    stamp = wayback_timestamp(warc_date_or_datetime) + ("id_" if raw else "")
    return f"{base.rstrip('/')}/{collection}/{stamp}/{url}"
