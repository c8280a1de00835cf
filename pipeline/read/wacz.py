"""A collection as one WACZ file (https://specs.webrecorder.net/wacz/1.1.1/): its WARC files, a CDXJ
index and a page list in a zip that ReplayWeb.page opens, so a reader can browse the cited pages
without this project, a database or a server.

Webrecorder's own `wacz` package writes the package (index, datapackage.json with a SHA-256 per
file, datapackage-digest.json). We choose what goes in: the WARC files of the collection's runs,
those holding any version of its articles (an article captured by two collections has versions in
both collections' files), and those holding the responses its revisit records refer to. The WARC
files go in whole and unchanged, so their SHA-256 stays what the export manifest states. The page
list has one page per capture an article version was extracted from: the URL fetched, the capture
time, the headline and the extracted text (ReplayWeb.page searches it).

`wacz` runs as a child process: importing it changes cdxj-indexer's defaults for the whole process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg

from pipeline.database import DatabaseUnavailable, check_connection, sqlalchemy_url
from pipeline.paths import resolve_warc
from pipeline.read.researcher import OneLineParser, ReadingError, connect, corpus_url, libpq_url, read_only

KNOWN = "SELECT collection FROM crawl_runs UNION SELECT collection FROM collection_articles ORDER BY 1"

# One page per capture that a version was extracted from; a capture extracted twice (other
# settings) is one page, with the latest extraction's headline and text.
PAGES = """
SELECT DISTINCT ON (c.id) c.id AS capture_id, c.url, c.fetched_at, v.title, v.text
FROM article_versions v JOIN captures c ON c.id = v.capture_id
WHERE %(name)s::text IS NULL
   OR v.article_id IN (SELECT article_id FROM collection_articles WHERE collection = %(name)s)
ORDER BY c.id, v.extracted_at DESC, v.id DESC
"""

# The collection's own captures, its articles' version captures, and the responses their revisit
# records point to: the files all of those records are in.
WARCS = """
WITH included AS (
    SELECT c.warc_file, c.refers_to_record_id FROM captures c JOIN crawl_runs r ON r.id = c.run_id
    WHERE %(name)s::text IS NULL OR r.collection = %(name)s
    UNION
    SELECT c.warc_file, c.refers_to_record_id
    FROM article_versions v JOIN captures c ON c.id = v.capture_id
    WHERE %(name)s::text IS NULL
       OR v.article_id IN (SELECT article_id FROM collection_articles WHERE collection = %(name)s)
)
SELECT warc_file FROM included WHERE warc_file IS NOT NULL
UNION
SELECT o.warc_file FROM captures o
WHERE o.warc_file IS NOT NULL
  AND o.warc_record_id IN (SELECT refers_to_record_id FROM included WHERE refers_to_record_id IS NOT NULL)
ORDER BY 1
"""

# `python -m wacz` exits 0 whatever main() returns; this passes its status on.
WACZ_COMMAND = (sys.executable, "-c", "import sys; from wacz.main import main; sys.exit(main())")

PAGE_LIST_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Article captures", "hasText": True}


class WaczError(ReadingError):
    """A normal mistake (no such collection, a WARC file gone, the output exists): one line, exit 2."""


def write_wacz(out: Path, collection: str | None, database_url: str, force: bool = False) -> dict:
    """Pack `collection` (every collection when None) into the WACZ file `out`.

    Returns {"path", "collection", "pages", "warcs", "bytes"}. The file appears only when complete:
    the package is written beside it and renamed.
    """
    out = Path(out)
    if out.is_dir():
        raise WaczError(f"{out} is a folder: name the WACZ file to write")
    if out.exists() and not force:
        raise WaczError(f"{out} exists: pass --force to replace it")
    if not out.parent.is_dir():
        raise WaczError(f"the folder {out.parent} does not exist")
    check_connection(sqlalchemy_url(database_url))
    pages, references = _read_corpus(libpq_url(database_url), collection)
    what = f"collection {collection}" if collection else "the corpus"
    if not references:
        raise WaczError(f"{what} has no WARC files to pack")
    warcs = [resolve_warc(ref) for ref in references]
    missing = [str(path) for path in warcs if not path.is_file()]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise WaczError(f"WARC file {missing[0]} of {what} is missing{more}")

    with tempfile.TemporaryDirectory(prefix=".wacz-", dir=out.parent) as work:
        work = Path(work)
        page_list = work / "pages.jsonl"
        _write_page_list(page_list, pages)
        inputs = _link_inputs(warcs, work / "archive")
        partial = work / "package.wacz"
        command = [
            *WACZ_COMMAND, "create",
            "--output", str(partial),
            "--pages", str(page_list), "--copy-pages",
            "--title", collection or "all collections",
            "--desc", f"{len(pages)} article captures of {what}, from {len(inputs)} WARC file(s)",
            *map(str, inputs),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0 or not partial.is_file():
            said = (done.stderr.strip() or done.stdout.strip() or "no message").splitlines()[-1]
            raise WaczError(f"the wacz package could not write {out}: {said}")
        partial.replace(out)
    return {
        "path": str(out),
        "collection": collection,
        "pages": len(pages),
        "warcs": len(warcs),
        "bytes": out.stat().st_size,
    }


def _read_corpus(url: str, collection: str | None) -> tuple[list[dict], list[str]]:
    """The page list's rows and the WARC files to pack, from one read-only snapshot."""
    with connect(url) as conn, read_only(conn, as_researcher=False):
        if collection is not None:
            known = [row[0] for row in conn.execute(KNOWN)]
            if collection not in known:
                listed = ", ".join(known) if known else "none yet"
                raise WaczError(f"unknown collection {collection!r} (known: {listed})")
        params = {"name": collection}
        cursor = conn.execute(PAGES, params)
        names = [c.name for c in cursor.description]
        pages = [dict(zip(names, row, strict=True)) for row in cursor]
        references = [row[0] for row in conn.execute(WARCS, params)]
    return pages, references


def _write_page_list(path: Path, pages: list[dict]) -> None:
    """pages.jsonl as WACZ 1.1.1 describes it: a header line, then one JSON object per page."""
    with path.open("w", encoding="utf-8") as out:
        out.write(json.dumps(PAGE_LIST_HEADER) + "\n")
        for page in pages:
            entry = {
                "id": f"capture-{page['capture_id']}",
                "url": page["url"],
                "ts": page["fetched_at"].isoformat().replace("+00:00", "Z"),
                "title": page["title"] or page["url"],
                "text": page["text"],
            }
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")


def _link_inputs(warcs: list[Path], folder: Path) -> list[Path]:
    """Links named as the files will be inside the package (archive/NAME): the base name, made
    unique when two folders hold files of the same name (imported files keep their own names)."""
    folder.mkdir()
    links = []
    for number, warc in enumerate(warcs):
        name = warc.name
        if (folder / name).exists():
            name = f"{number}-{name}"
        link = folder / name
        link.symlink_to(warc.resolve())
        links.append(link)
    return links


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(
        prog="python -m pipeline.read.wacz",
        description="Pack a collection's WARC files, CDXJ index and page list into a WACZ file, "
        "which ReplayWeb.page (https://replayweb.page) opens.",
    )
    parser.add_argument("out", type=Path, metavar="OUT.wacz", help="the WACZ file to write")
    parser.add_argument("--collection", metavar="NAME", help="one collection (default: all of them)")
    parser.add_argument("--force", action="store_true", help="replace OUT.wacz if it exists")
    args = parser.parse_args(argv)
    try:
        summary = write_wacz(args.out, args.collection, corpus_url(), force=args.force)
    except (ReadingError, DatabaseUnavailable) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except psycopg.Error as error:
        print(f"error: reading the corpus failed: {str(error).strip().splitlines()[0]}", file=sys.stderr)
        return 2
    mb = summary["bytes"] / 1e6
    print(
        f"{summary['path']}: {summary['pages']} pages from {summary['warcs']} WARC file(s), {mb:.2f} MB; "
        "open it in ReplayWeb.page (https://replayweb.page)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
