"""docs/schema.md, generated from the comments of a migrated database so that it cannot drift.

`python -m pipeline.read.schema_doc` rewrites it; `--check` exits 1 when it differs from what the
database says. The comments themselves are written by the migrations (`COMMENT ON`).
"""

from __future__ import annotations

import html
import sys
from pathlib import Path

import psycopg

from pipeline.database import DatabaseUnavailable
from pipeline.paths import PROJECT_ROOT
from pipeline.read.researcher import ROLE, OneLineParser, ReadingError, connect, corpus_url

DOC = PROJECT_ROOT / "docs" / "schema.md"
KINDS = {"v": "Views", "m": "Views", "r": "Tables", "p": "Tables"}

RELATIONS = """
SELECT c.oid, c.relname, c.relkind, obj_description(c.oid, 'pg_class')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
ORDER BY c.relkind NOT IN ('v', 'm'), c.relname
"""
COLUMNS = """
SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
       col_description(a.attrelid, a.attnum)
FROM pg_attribute a
WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""
KEYS = """
SELECT a.attname, con.contype, fc.relname, fa.attname
FROM pg_constraint con
CROSS JOIN LATERAL unnest(con.conkey, con.confkey) AS k(col, refcol)
JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.col
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_attribute fa ON fa.attrelid = con.confrelid AND fa.attnum = k.refcol
WHERE con.conrelid = %s AND con.contype IN ('p', 'f')
ORDER BY con.contype DESC, con.conname
"""
FUNCTIONS = """
SELECT p.proname, pg_get_function_arguments(p.oid), pg_get_function_result(p.oid),
       obj_description(p.oid, 'pg_proc')
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'public'
ORDER BY p.proname, 2
"""
ACCESS = """
SELECT c.relname,
       has_table_privilege(%(role)s, c.oid, 'SELECT'),
       has_table_privilege(%(role)s, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
ORDER BY c.relname
"""

PREAMBLE = """\
Researchers start from the views: `corpus` (one row per article, its latest text, with
provenance and a ready-made `citation`), `stories` (syndicated copies grouped), `coverage_daily`
(articles per outlet per day) and `versions` (every text of every article, with its capture).
Times are `timestamptz`; dates derived from them are in UTC. `replay_path` follows
`http://127.0.0.1:8080/` while `make replay` runs.

Full-text search: `SELECT * FROM search_corpus('"Guardians of Peace"', until => '2014-11-30')`,
or `search @@ websearch_to_tsquery('english', '...')` on `corpus`.

The role `{role}` can read all of it and change none of it: the corpus owner opens such a
session with `SET ROLE {role};` (or `PGOPTIONS='-c role={role}'`), and an administrator gives a
person a login of their own with `CREATE ROLE alice LOGIN PASSWORD '...' IN ROLE {role};`.
"""


def _cell(text: str | None) -> str:
    """Table-safe Markdown: `<urn:uuid:...>` and `<collection>` must not read as HTML."""
    return html.escape(text or "", quote=False).replace("|", "\\|").replace("\n", " ")


def _access(conn: psycopg.Connection) -> str:
    if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (ROLE,)).fetchone():
        return f"The role `{ROLE}` does not exist in this cluster."
    rows = conn.execute(ACCESS, {"role": ROLE}).fetchall()
    unreadable = [name for name, can_read, _ in rows if not can_read]
    writable = [name for name, _, can_write in rows if can_write]
    read = "every table and view below" if not unreadable else "all but " + ", ".join(unreadable)
    write = "nothing" if not writable else ", ".join(writable)
    return f"`{ROLE}` may read {read}; it may change {write}."


def _relation(conn: psycopg.Connection, oid: int, name: str, kind: str, comment: str | None) -> list[str]:
    keys: dict[str, str] = {}
    for column, contype, ref_table, ref_column in conn.execute(KEYS, (oid,)):
        mark = "primary key" if contype == "p" else f"→ `{ref_table}.{ref_column}`"
        keys[column] = f"{keys[column]}, {mark}" if column in keys else mark
    lines = [f"### `{name}`", "", _cell(comment) or "*(no comment)*", ""]
    if kind in ("v", "m"):
        lines += ["| column | type | description |", "| --- | --- | --- |"]
    else:
        lines += ["| column | type | null | key | description |", "| --- | --- | --- | --- | --- |"]
    for column, type_, nullable, text in conn.execute(COLUMNS, (oid,)):
        if kind in ("v", "m"):
            lines.append(f"| `{column}` | {type_} | {_cell(text)} |")
        else:
            null = "yes" if nullable else "no"
            lines.append(f"| `{column}` | {type_} | {null} | {keys.get(column, '')} | {_cell(text)} |")
    return [*lines, ""]


def render(conn: psycopg.Connection) -> str:
    """The Markdown text for the database `conn` is connected to."""
    revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    relations = conn.execute(RELATIONS).fetchall()
    lines = [
        "# The corpus schema",
        "",
        f"<!-- Generated by `python -m pipeline.read.schema_doc` from a database at migration {revision}. "
        "Do not edit: change the COMMENT ON statements in a migration, then regenerate. -->",
        "",
        PREAMBLE.format(role=ROLE),
        _access(conn),
        "",
    ]
    for heading in dict.fromkeys(KINDS.values()):
        members = [r for r in relations if KINDS[r[2]] == heading]
        lines += [f"## {heading}", "", ", ".join(f"[`{r[1]}`](#{r[1]})" for r in members), ""]
        for oid, name, kind, comment in members:
            lines += _relation(conn, oid, name, kind, comment)
    lines += ["## Functions", ""]
    for name, arguments, result, comment in conn.execute(FUNCTIONS):
        lines += [f"### `{name}`", "", f"`{name}({arguments})` → `{result}`", "", _cell(comment), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m pipeline.read.schema_doc", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file differs, write nothing")
    parser.add_argument("--output", type=Path, default=DOC, help="default: docs/schema.md")
    args = parser.parse_args(argv)
    try:
        with connect(corpus_url()) as conn:
            text = render(conn)
    except (ReadingError, DatabaseUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
    if args.check:
        if current == text:
            print(f"{args.output} is up to date")
            return 0
        print(f"{args.output} differs from the schema: run python -m pipeline.read.schema_doc", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
