"""WACZ packages: `python -m pipeline.read.wacz` packs one collection so that Webrecorder's validator
passes it, every index line finds its record by a byte-range read of the zip (as ReplayWeb.page
reads it), the page list holds that collection's articles and no other's, and pywb replays it."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import shutil
import socket
import struct
import subprocess
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from warcio.archiveiterator import ArchiveIterator
from warcio.timeutils import iso_date_to_timestamp

from pipeline.read.replay import PYWB_VENV, ReplayError, wayback_environment, wayback_executable
from pipeline.read.wacz import PAGE_LIST_HEADER, WACZ_COMMAND, _link_inputs
from tests.conftest import ROOT, query, run_cli, run_module
from warc.index import replay_url

SHARED_SEEDS = 6
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# Every version of every article, with the collections the article belongs to (the `versions`
# and `corpus` views, as a researcher reads them).
ARTICLE_CAPTURES = """
SELECT v.article_id, v.capture_id, v.captured_url, v.captured_at, v.title, v.warc_file, c.collections
FROM versions v JOIN corpus c USING (article_id)
"""


@pytest.fixture(scope="module")
def corpus(make_database, tmp_path_factory):
    """The demo crawled as `demo`, then a collection `second` whose seeds are the first few of the
    demo's: `second` holds those articles (their versions are in demo's WARC file), `demo` all."""
    url = make_database()
    data = tmp_path_factory.mktemp("wacz-var")
    env = {"DATABASE_URL": url, "DEMO_DATABASE_URL": url, "ARCHIVE_DATA_DIR": str(data)}
    head, *seeds = (ROOT / "collections" / "demo.toml").read_text(encoding="utf-8").split("[[seeds]]")
    second = data / "second.toml"
    second.write_text(
        head.replace('name = "demo"', 'name = "second"') + "[[seeds]]".join(["", *seeds[:SHARED_SEEDS]]),
        encoding="utf-8",
    )
    for collection in ("demo", str(second)):
        crawl = run_cli("demo", "--collection", collection, env=env)
        assert crawl.returncode == 0, crawl.stderr[-2000:]
    engine = create_engine(url)
    yield engine, env, data
    engine.dispose()


@pytest.fixture(scope="module")
def packages(corpus, tmp_path_factory):
    """One WACZ per collection and one of all of them ("all": no --collection), written by the
    command a researcher runs."""
    _, env, _ = corpus
    out = tmp_path_factory.mktemp("wacz")
    written = {}
    for name in ("demo", "second", "all"):
        path = out / f"{name}.wacz"
        chosen = () if name == "all" else ("--collection", name)
        done = run_module("pipeline.read.wacz", str(path), *chosen, env=env)
        assert done.returncode == 0, done.stderr
        assert "ReplayWeb.page" in done.stdout and str(path) in done.stdout
        written[name] = path
    return written


def page_list(path: Path) -> tuple[dict, list[dict]]:
    with zipfile.ZipFile(path) as package:
        header, *pages = package.read("pages/pages.jsonl").decode("utf-8").splitlines()
    return json.loads(header), [json.loads(line) for line in pages]


def index_lines(path: Path) -> list[tuple[str, str, dict]]:
    """indexes/index.cdx.gz: gzip members of CDXJ lines (the .idx file says where each begins)."""
    with zipfile.ZipFile(path) as package:
        text = gzip.decompress(package.read("indexes/index.cdx.gz")).decode("utf-8")
    lines = []
    for line in text.splitlines():
        key, stamp, fields = line.split(" ", 2)
        lines.append((key, stamp, json.loads(fields)))
    return lines


def member_start(path: Path, info: zipfile.ZipInfo) -> int:
    """Where a stored member's bytes begin in the zip file: after its local header."""
    with path.open("rb") as fh:
        fh.seek(info.header_offset)
        header = fh.read(30)
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    return info.header_offset + 30 + name_length + extra_length


def validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*WACZ_COMMAND, "validate", "-f", str(path)], capture_output=True, text=True)


def test_the_package_passes_webrecorders_validator_and_a_changed_one_fails(packages, tmp_path):
    for path in packages.values():
        checked = validate(path)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "Version detected as 1.1.1" in checked.stdout and "Validation succeeded" in checked.stdout

    # The same package with one page dropped from its list no longer matches its manifest.
    changed = tmp_path / "changed.wacz"
    with zipfile.ZipFile(packages["demo"]) as source, zipfile.ZipFile(changed, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "pages/pages.jsonl":
                data = b"\n".join(data.splitlines()[:-1]) + b"\n"
            target.writestr(info, data)
    checked = validate(changed)
    assert checked.returncode == 1 and "Validation failed" in checked.stdout


def test_manifest_hashes_match_and_warc_files_go_in_unchanged(packages, corpus):
    _, _, data = corpus
    sources = {p.name: p for p in (data / "warc").rglob("*.warc.gz")}
    for path in packages.values():
        with zipfile.ZipFile(path) as package:
            manifest_bytes = package.read("datapackage.json")
            manifest = json.loads(manifest_bytes)
            digest = json.loads(package.read("datapackage-digest.json"))
            assert digest["hash"] == "sha256:" + hashlib.sha256(manifest_bytes).hexdigest()
            assert manifest["wacz_version"] == "1.1.1"
            names = {i.filename for i in package.infolist()} - {"datapackage.json", "datapackage-digest.json"}
            assert {r["path"] for r in manifest["resources"]} == names
            assert {"pages/pages.jsonl", "indexes/index.cdx.gz"} <= names
            for resource in manifest["resources"]:
                content = package.read(resource["path"])
                assert resource["hash"] == "sha256:" + hashlib.sha256(content).hexdigest(), resource["path"]
                assert resource["bytes"] == len(content)
            warcs = [i for i in package.infolist() if i.filename.startswith("archive/")]
            assert warcs
            for info in warcs:
                # Stored, not deflated: a reader fetches a record by a byte range of the zip.
                assert info.compress_type == zipfile.ZIP_STORED
                original = sources[Path(info.filename).name].read_bytes()
                assert package.read(info) == original


def test_every_index_line_finds_its_record_by_a_byte_range_of_the_zip(packages):
    for path in packages.values():
        with zipfile.ZipFile(path) as package:
            starts = {
                Path(i.filename).name: member_start(path, i)
                for i in package.infolist() if i.filename.startswith("archive/")
            }
        lines = index_lines(path)
        assert lines and all(fields["filename"] in starts for _, _, fields in lines)
        with path.open("rb") as fh:
            for _, stamp, fields in lines:
                fh.seek(starts[fields["filename"]] + int(fields["offset"]))
                raw = fh.read(int(fields["length"]))
                assert fields["recordDigest"] == "sha256:" + hashlib.sha256(raw).hexdigest()
                record = next(iter(ArchiveIterator(io.BytesIO(raw))))
                assert record.rec_headers["WARC-Target-URI"] == fields["url"]
                assert iso_date_to_timestamp(record.rec_headers["WARC-Date"]) == stamp

        # Each page is in the index at its own capture time, so a replayer opens that capture.
        indexed = {(fields["url"], stamp) for _, stamp, fields in lines}
        _, pages = page_list(path)
        assert all((p["url"], iso_date_to_timestamp(p["ts"])) in indexed for p in pages)


def test_page_list_holds_the_collections_articles_and_no_others(packages, corpus):
    engine, _, _ = corpus
    rows = query(engine, ARTICLE_CAPTURES)
    for name, path in packages.items():
        members = [r for r in rows if name in r["collections"] or name == "all"]
        others = [r for r in rows if r not in members]
        header, pages = page_list(path)
        assert header == PAGE_LIST_HEADER
        # One page per capture a version came from: the URL fetched, its time, headline and text.
        assert len(pages) == len({r["capture_id"] for r in members})
        assert {p["url"] for p in pages} == {r["captured_url"] for r in members}
        assert not {p["url"] for p in pages} & {r["captured_url"] for r in others}
        titles = {(r["captured_url"], r["title"]) for r in members}
        assert all((p["url"], p["title"]) in titles and p["text"].strip() for p in pages)
        # Every WARC file holding a version of its articles is in the package.
        with zipfile.ZipFile(path) as package:
            packed = {Path(n).name for n in package.namelist() if n.startswith("archive/")}
        assert {Path(r["warc_file"]).name for r in members} <= packed

    # The collections differ, and `second`'s versions came from demo's crawl (it re-fetched the
    # same text), so its package carries demo's WARC file.
    second = [r for r in rows if "second" in r["collections"]]
    assert SHARED_SEEDS <= len(second) < len(rows)
    assert any(Path(r["warc_file"]).parts[0] == "demo" for r in second)


def test_warc_files_of_the_same_name_keep_apart(tmp_path):
    """Imported files keep their names, so two folders may hold a file of the same name."""
    first, second = tmp_path / "a" / "x.warc.gz", tmp_path / "b" / "x.warc.gz"
    for number, path in enumerate((first, second)):
        path.parent.mkdir()
        path.write_bytes(bytes([number]) * 10)
    links = _link_inputs([first, second], tmp_path / "archive")
    assert len({link.name for link in links}) == 2
    assert [link.read_bytes() for link in links] == [first.read_bytes(), second.read_bytes()]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_pywb_replays_a_page_from_the_package(packages, tmp_path):
    try:
        wayback = wayback_executable()
    except ReplayError as error:  # part of the test set-up: a failure, never a skip
        pytest.fail(f"{error} (tests/test_wacz.py needs it)", pytrace=False)
    manager = PYWB_VENV / "bin" / "wb-manager"
    env = wayback_environment()
    for step in (["init", "pkg"], ["add", "--unpack-wacz", "pkg", str(packages["second"])]):
        done = subprocess.run([str(manager), *step], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]

    _, pages = page_list(packages["second"])
    page = pages[0]
    with zipfile.ZipFile(packages["second"]) as package:
        [(_, _, fields)] = [
            line for line in index_lines(packages["second"])
            if line[2]["url"] == page["url"] and line[1] == iso_date_to_timestamp(page["ts"])
        ]
        with package.open("archive/" + fields["filename"]) as warc:
            warc.seek(int(fields["offset"]))
            body = next(iter(ArchiveIterator(warc))).content_stream().read()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "pywb.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(wayback), "--bind", "127.0.0.1", "--port", str(port)],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        link = replay_url(base, "pkg", dt.datetime.fromisoformat(page["ts"]), page["url"], raw=True)
        for _ in range(150):  # up to ~30 s; pywb is usually up in 2-3 s
            try:
                request = urllib.request.Request(link, headers={"Accept-Encoding": "identity"})
                with OPENER.open(request, timeout=5) as answer:
                    assert answer.status == 200
                    assert answer.read() == body
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            try:
                process.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                continue
            pytest.fail(f"pywb exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        else:
            pytest.fail(f"pywb did not answer {link}:\n{log.read_text()[-3000:]}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def one_line_error(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    return done.stderr


def test_mistakes_are_one_clear_line_and_write_nothing(corpus, packages, make_database, tmp_path):
    _, env, _ = corpus
    out = tmp_path / "out.wacz"

    said = one_line_error(run_module("pipeline.read.wacz", str(out), "--collection", "nope", env=env))
    assert "unknown collection 'nope'" in said and "demo, second" in said

    # The output exists: kept unless --force.
    before = packages["second"].read_bytes()
    kept = run_module("pipeline.read.wacz", str(packages["second"]), "--collection", "second", env=env)
    said = one_line_error(kept)
    assert "--force" in said and packages["second"].read_bytes() == before

    # A WARC file the corpus points to is gone: named.
    empty = tmp_path / "moved"
    (empty / "warc").mkdir(parents=True)
    moved = {**env, "ARCHIVE_DATA_DIR": str(empty)}
    said = one_line_error(run_module("pipeline.read.wacz", str(out), "--collection", "demo", env=moved))
    assert "is missing" in said and str(empty / "warc" / "demo") in said and ".warc.gz" in said

    # Nothing crawled yet.
    fresh = make_database()
    said = one_line_error(run_module("pipeline.read.wacz", str(out), env={**env, "DATABASE_URL": fresh}))
    assert "no WARC files" in said
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".wacz-")]


def test_force_replaces_the_package(packages, corpus, tmp_path):
    _, env, _ = corpus
    path = tmp_path / "again.wacz"
    shutil.copy(packages["second"], path)
    done = run_module("pipeline.read.wacz", str(path), "--collection", "demo", "--force", env=env)
    assert done.returncode == 0, done.stderr
    assert page_list(path) == page_list(packages["demo"])
    assert validate(path).returncode == 0
