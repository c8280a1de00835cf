"""Citations a journal accepts: a page taken from a web archive is cited with the archive's URL and
capture time beside its original URL, in the text citation, BibTeX and CSL-JSON of `export` and
`search`; an IDs-only export holds no text; no output names a password, user@host or socket path."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from pipeline.demo.discovery_docs import archive_only_pages
from tests.conftest import ROOT, run_cli
from tests.discovery_helpers import demo_archive_pages

CSL_REQUIRED = ("id", "type")

@pytest.fixture(scope="module")
def discovery(make_database, tmp_path_factory):
    """`python -m pipeline demo` (the discovery collection: some pages only in the fixture Wayback
    or Common Crawl)."""
    url = make_database()
    data = tmp_path_factory.mktemp("discovery-var")
    env = {"DATABASE_URL": url, "DEMO_DATABASE_URL": url, "ARCHIVE_DATA_DIR": str(data)}
    done = run_cli("demo", env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return {"DATABASE_URL": url, "ARCHIVE_DATA_DIR": str(data)}

def run(env: dict, module: str, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", module, *args]
    return subprocess.run(command, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=300)

def parse_bibtex(text: str) -> list[dict]:
    """A strict reader of the entries we write: @type{key, name = {value}, ...}, braces balanced."""
    entries = []
    for chunk in re.split(r"\n(?=@)", text.strip()):
        head = re.match(r"@(\w+)\{([^,\s{}]+),\n", chunk)
        assert head, chunk
        assert chunk.rstrip().endswith("}"), chunk
        fields, rest = {}, chunk[head.end():].rstrip()[:-1]
        while rest.strip():
            name = re.match(r"\s*(\w+) = \{", rest)
            assert name, rest
            depth, i = 1, name.end()
            while depth:
                assert i < len(rest), f"unbalanced braces in {chunk}"
                if rest[i] == "\\":
                    i += 2
                    continue
                depth += {"{": 1, "}": -1}.get(rest[i], 0)
                i += 1
            fields[name.group(1)] = rest[name.end():i - 1]
            rest = rest[i:].lstrip(",\n")
        entries.append({"type": head.group(1), "key": head.group(2), **fields})
    return entries

def test_archive_rows_cite_the_archive_in_every_format(discovery, tmp_path):
    gone = demo_archive_pages()  # in the fixture Wayback or Common Crawl only
    csv_out, bib, csl = tmp_path / "c.jsonl", tmp_path / "c.bib", tmp_path / "c.json"
    for out in (csv_out, bib, csl):
        done = run(discovery, "pipeline.read.export", str(out))
        assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in csv_out.read_text(encoding="utf-8").splitlines()]
    archived = [r for r in rows if r["canonical_url"] in gone]
    assert archived and len(archived) == len(gone)
    for row in archived:
        assert row["archive_url"] and row["archive_url"] != row["canonical_url"]
        assert row["archived_at"] and row["archive_url"] in row["reference"]
        assert "captured" in row["reference"] and row["canonical_url"] in row["reference"]
        # The corpus view's own citation names the archive's copy and its capture time too.
        archived_at = row["archived_at"].replace("+00:00", "Z")
        assert f"web archive capture {archived_at} at {row['archive_url']}" in row["citation"]
    assert all(r["archive_url"] is None for r in rows if r["canonical_url"] not in gone)

    entries = parse_bibtex(bib.read_text(encoding="utf-8"))
    assert len(entries) == len(rows) and len({e["key"] for e in entries}) == len(entries)
    assert all(e["type"] == "online" and e["url"] and e["urldate"] and e["title"] for e in entries)
    by_url = {e["url"]: e for e in entries}
    for row in archived:
        assert row["archive_url"] in by_url[row["canonical_url"]]["note"]

    items = json.loads(csl.read_text(encoding="utf-8"))
    assert len(items) == len(rows)
    for item in items:
        assert all(item.get(k) for k in CSL_REQUIRED) and item["type"] == "article-newspaper"
        assert item["container-title"] and item["URL"] and len(item["accessed"]["date-parts"][0]) == 3
        for author in item.get("author", []):
            assert set(author) in ({"family", "given"}, {"literal"})
    archived_items = [i for i in items if i["URL"] in gone]
    assert archived_items and all(i["archive_location"].startswith("http") and i["archive"] for i in archived_items)

def test_ids_only_export_holds_no_text(discovery, tmp_path):
    out = tmp_path / "ids.csv"
    done = run(discovery, "pipeline.read.export", "--ids-only", str(out))
    assert done.returncode == 0, done.stderr
    header = out.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert not {"text", "title", "dek"} & set(header)
    assert {"canonical_url", "content_hash", "payload_digest", "reference", "warc_record_id"} <= set(header)
    manifest = json.loads((tmp_path / "ids.csv.manifest.json").read_text())
    assert manifest["ids_only"] is True and "text" in manifest["omitted_columns"]

def test_manifest_has_commit_collection_warc_hashes_and_codebook(discovery, tmp_path):
    out = tmp_path / "c.csv"
    done = run(discovery, "pipeline.read.export", "--collection", "demo-discovery", str(out))
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "c.csv.manifest.json").read_text())
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    assert manifest["software"]["git_commit"].startswith(commit or "unknown")
    collection = manifest["collection"]

    assert collection["sha256"] == hashlib.sha256((ROOT / collection["file"]).read_bytes()).hexdigest()
    warc_root = Path(discovery["ARCHIVE_DATA_DIR"]) / "warc"
    assert manifest["warc_files"]
    for warc in manifest["warc_files"]:
        assert warc["sha256"] == hashlib.sha256((warc_root / warc["path"]).read_bytes()).hexdigest()
    book = {c["name"]: c for c in manifest["codebook"]}
    assert list(book) == manifest["columns"]
    assert book["published_at"]["type"] == "timestamptz" and "UTC" in book["published_at"]["description"]
    assert all(c["description"] for c in manifest["codebook"])

def test_unknown_collection_is_one_line(discovery, tmp_path):
    for module, args in (("pipeline.read.export", [str(tmp_path / "x.csv")]), ("pipeline.read.search", ["sony"])):
        done = run(discovery, module, *args, "--collection", "nowhere")
        assert done.returncode == 2 and "no collection named 'nowhere'" in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1

def test_search_returns_citations_with_the_archive(discovery):
    gone = archive_only_pages()
    page = gone[0]
    with_title = run(discovery, "pipeline.read.search", f'"{page.title}"', "--format", "csl-json")
    assert with_title.returncode == 0, with_title.stderr
    items = json.loads(with_title.stdout)
    assert page.url in {i["URL"] for i in items}
    item = next(i for i in items if i["URL"] == page.url)
    assert item["archive_location"] and item["archive"]
    text = run(discovery, "pipeline.read.search", f'"{page.title}"')
    assert "Cite: " in text.stdout and "archived: " in text.stdout
    bib = run(discovery, "pipeline.read.search", f'"{page.title}"', "--format", "bibtex")
    assert page.url in {e["url"] for e in parse_bibtex(bib.stdout)}

def _secret_urls(url: str) -> list[str]:
    parsed = make_url(url)
    with_password = parsed.set(username="postgres", password="s3cret-pw").render_as_string(hide_password=False)
    socket = f"postgresql://postgres@/{parsed.database}?host=/var/run/postgresql"
    return [with_password] + ([socket] if Path("/var/run/postgresql/.s.PGSQL.5432").exists() else [])

def test_no_credentials_or_socket_path_in_any_output(discovery, tmp_path):
    for number, url in enumerate(_secret_urls(discovery["DATABASE_URL"])):
        env = {**discovery, "DATABASE_URL": url}
        outputs = []
        for fmt in ("csv", "bib", "json"):
            out = tmp_path / f"{number}.{fmt}"
            done = run(env, "pipeline.read.export", "--force", str(out))
            assert done.returncode == 0, done.stderr
            outputs += [done.stdout, done.stderr, out.read_text(encoding="utf-8"),
                        (tmp_path / f"{out.name}.manifest.json").read_text(encoding="utf-8")]
        for fmt in ("text", "bibtex", "csl-json"):
            done = run(env, "pipeline.read.search", "Sony", "--format", fmt)
            outputs += [done.stdout, done.stderr]
        everything = "\n".join(outputs)
        for secret in ("s3cret-pw", "postgres@", "/var/run/postgresql", "127.0.0.1:5432"):
            assert secret not in everything, secret
