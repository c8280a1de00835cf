"""`verify`: prove that every WARC record the corpus points to is where it says, intact, and that
every HTML page fetched became something the corpus can account for."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

import warc  # noqa: F401 - lets warcio read brotli-encoded records (see warc/__init__.py)
from pipeline.models import Capture
from pipeline.paths import resolve_warc


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    offset: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.offset}: {self.message}"


@dataclass
class VerifyReport:
    records: int = 0
    files: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)

    def render(self) -> str:
        lines = [str(p) for p in self.problems]
        verdict = "all records intact" if not self.problems else f"{len(self.problems)} problem(s) found"
        lines.append(f"verified {self.records} WARC records in {len(self.files)} files: {verdict}")
        return "\n".join(lines)


def check_record(
    path: Path, offset: int, length: int, record_id: str, payload_digest: str | None
) -> list[str]:
    """Problems with the record stored at (path, offset, length); an empty list if none."""
    if not path.exists():
        return ["file not found"]
    with path.open("rb") as fh:
        fh.seek(offset)
        member = fh.read(length)
    if len(member) != length:
        return [f"file ends {length - len(member)} bytes before the record's end"]
    try:
        iterator = iter(ArchiveIterator(io.BytesIO(member), check_digests=True))
        record = next(iterator)
        stream = record.content_stream()
        while stream.read(65536):
            pass
        problems = [f"digest check failed: {p}" for p in record.digest_checker.problems]
        if record.digest_checker.passed is False and not problems:
            problems.append("digest check failed")
        found_id = record.rec_headers.get_header("WARC-Record-ID")
        if found_id != record_id:
            problems.append(f"record id is {found_id}, corpus says {record_id}")
        found_digest = record.rec_headers.get_header("WARC-Payload-Digest")
        if payload_digest and found_digest != payload_digest:
            problems.append(f"payload digest is {found_digest}, corpus says {payload_digest}")
        if next(iterator, None) is not None:
            problems.append("offset/length span more than one record")
        return problems
    except (ArchiveLoadFailed, EOFError, OSError, ValueError, StopIteration) as exc:
        return [f"no WARC record at this offset/length ({type(exc).__name__}: {exc})"]


def stored_records(engine: Engine) -> Iterator:
    query = (
        select(
            Capture.warc_file,
            Capture.warc_offset,
            Capture.warc_length,
            Capture.warc_record_id,
            Capture.payload_digest,
            Capture.warc_type,
        )
        .where(Capture.warc_record_id.is_not(None))
        .order_by(Capture.warc_file, Capture.warc_offset)
    )
    with engine.connect() as conn:
        yield from conn.execute(query)


def verify_corpus(engine: Engine) -> VerifyReport:
    report = VerifyReport()
    for row in stored_records(engine):
        report.records += 1
        report.files.add(row.warc_file)
        for message in check_record(
            resolve_warc(row.warc_file),
            row.warc_offset,
            row.warc_length,
            row.warc_record_id,
            row.payload_digest,
        ):
            report.problems.append(Problem(row.warc_file, row.warc_offset, message))
    return report


# What became of each 200 HTML capture (a revisit's outcome is on the revisit itself): a version of
# an article, a decision that it is one already stored, or a note saying why it is not an article.
# Anything else would be a page whose text silently never reached the corpus.
OUTCOMES = """
SELECT c.id, c.url, c.warc_file, c.warc_offset, c.warc_type,
       CASE
         WHEN EXISTS (SELECT 1 FROM article_versions v WHERE v.capture_id = c.id) THEN 'version'
         WHEN EXISTS (SELECT 1 FROM decisions d WHERE d.capture_id = c.id
                      AND d.kind = 'unchanged_refetch') THEN 'unchanged'
         WHEN EXISTS (SELECT 1 FROM decisions d WHERE d.capture_id = c.id
                      AND d.kind = 'url_folded') THEN 'folded'
         WHEN c.note IS NOT NULL THEN 'note'
       END AS outcome
FROM captures c
WHERE c.status = 200 AND c.content_type ILIKE '%html%'
  AND (CAST(:run_id AS integer) IS NULL OR c.run_id = CAST(:run_id AS integer))
ORDER BY c.id
"""


@dataclass
class OutcomeReport:
    counts: dict[str, int] = field(default_factory=dict)
    missing: list = field(default_factory=list)  # captures rows with no outcome

    def render(self) -> str:
        lines = [
            f"{row.warc_file}:{row.warc_offset}: {row.url}: no article version, decision or note"
            for row in self.missing
        ]
        counts = ", ".join(f"{n} {name}" for name, n in sorted(self.counts.items()))
        verdict = "each has its outcome" if not self.missing else f"{len(self.missing)} without an outcome"
        lines.append(f"{sum(self.counts.values())} HTML pages fetched (200): {counts or 'none'}; {verdict}")
        return "\n".join(lines)


def capture_outcomes(engine: Engine, run_id: int | None = None) -> OutcomeReport:
    """The outcome of every 200 HTML capture (of one run, or all), and the captures that have none."""
    report = OutcomeReport()
    with engine.connect() as conn:
        for row in conn.execute(text(OUTCOMES), {"run_id": run_id}):
            outcome = row.outcome or "none"
            report.counts[outcome] = report.counts.get(outcome, 0) + 1
            if row.outcome is None:
                report.missing.append(row)
    return report
