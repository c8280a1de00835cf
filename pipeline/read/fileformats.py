"""The file formats of `export`: rows as CSV, JSON Lines or Parquet, their citations as BibTeX or
CSL-JSON. Times are ISO 8601 in UTC everywhere, so R, pandas and a spreadsheet read them alike."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
from pathlib import Path

from pipeline.read import citations


def cell_text(value) -> str | None:
    """A value as CSV cell text: ISO 8601 times in UTC, JSON for arrays and objects."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date | decimal.Decimal):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=cell_text)
    if isinstance(value, bytes | memoryview):
        return "\\x" + bytes(value).hex()
    return value if isinstance(value, str) else str(value)


def json_value(value):
    """A value as JSON: numbers stay numbers, times become ISO 8601 text in UTC."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if value is None or isinstance(value, str | int | float | list | dict):
        return value
    return cell_text(value)


def write_csv(path: Path, columns: list[str], rows: list[list]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerows([cell_text(v) for v in row] for row in rows)


def write_jsonl(path: Path, columns: list[str], rows: list[list]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False, default=json_value))
            fh.write("\n")


def write_parquet(path: Path, columns: list[str], rows: list[list]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = []
    for i, _name in enumerate(columns):
        values = [row[i] for row in rows]
        if any(isinstance(v, dict) for v in values):
            values = [cell_text(v) for v in values]  # JSON objects of varying keys: keep them as JSON text
        try:
            arrays.append(pa.array(values))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrays.append(pa.array([cell_text(v) for v in values], type=pa.string()))
    pq.write_table(pa.Table.from_arrays(arrays, names=columns), path)


def write_bibtex(path: Path, sources: list[citations.Source]) -> None:
    path.write_text("\n".join(citations.bibtex(s) for s in sources), encoding="utf-8")


def write_csl_json(path: Path, sources: list[citations.Source]) -> None:
    items = [citations.csl(s) for s in sources]
    path.write_text(json.dumps(items, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


WRITERS = {"csv": write_csv, "jsonl": write_jsonl, "parquet": write_parquet}
CITATION_WRITERS = {"bibtex": write_bibtex, "csl-json": write_csl_json}
