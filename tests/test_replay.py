"""Replay: the CDXJ index beside the WARCs, pywb's own reading of them, and pywb answering the
archived bytes of demo captures (`make replay`). pywb runs from .venv-pywb; `make test` builds it.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine
from warcio.archiveiterator import ArchiveIterator

from pipeline.read.replay import PYWB_VENV, ReplayError, render_config, wayback_executable
from tests.conftest import ROOT, query, run_cli
from warc.index import INDEX_NAME, SIDECAR_DIR, closed_warcs, replay_url, sidecar_path, update_index

GZIP_HOSTS = {"www.pacificcourier.test", "www.bitwire.test"}
# Straight to loopback, whatever http_proxy the environment sets.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def require_pywb() -> Path:
    """pywb is part of the test set-up: its absence is a failure, never a skip."""
    try:
        return wayback_executable()
    except ReplayError as error:
        message = str(error)
    pytest.fail(f"{message} (tests/test_replay.py needs it)", pytrace=False)


def read_index(path: Path) -> list[tuple[str, str, dict]]:
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        key, stamp, fields = line.split(" ", 2)
        entries.append((key, stamp, json.loads(fields)))
    return entries


def record_at(path: Path, offset: int):
    """The record at `offset`: (WARC headers, HTTP headers, raw payload, decoded payload)."""
    with path.open("rb") as fh:
        fh.seek(offset)
        record = next(iter(ArchiveIterator(fh)))
        raw = record.raw_stream.read()
    with path.open("rb") as fh:
        fh.seek(offset)
        decoded = next(iter(ArchiveIterator(fh))).content_stream().read()
    return record.rec_headers, record.http_headers, raw, decoded


def sha1_digest(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


@pytest.fixture(scope="module")
def demo(make_database, tmp_path_factory):
    """`make demo` into its own database and data folder: a crawl of each fixture edition."""
    database = make_database()
    data = tmp_path_factory.mktemp("replay-var")
    result = run_cli(
        "demo", "--collection", "demo", env={"DATABASE_URL": database, "DEMO_DATABASE_URL": database, "ARCHIVE_DATA_DIR": str(data)}
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    engine = create_engine(database)
    yield data, engine
    engine.dispose()


@pytest.fixture(scope="module")
def collection_dir(demo) -> Path:
    return demo[0] / "warc" / "demo"


@pytest.fixture(scope="module")
def pywb(demo):
    """`python -m pipeline.read.replay` (what `make replay` runs) on a free loopback port."""
    require_pywb()
    data, _ = demo
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    log = data / "pywb.log"
    # A dead proxy in the environment, as on a researcher's laptop: pywb must not use it.
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(data), "http_proxy": "http://127.0.0.1:9"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "pipeline.read.replay", "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        for _ in range(150):  # up to ~30 s; pywb is usually up in 2-3 s
            try:
                with OPENER.open(base + "/", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            try:
                process.wait(timeout=0.2)  # the pause between tries; returns if pywb died
            except subprocess.TimeoutExpired:
                continue
            pytest.fail(f"pywb exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        else:
            pytest.fail(f"pywb did not answer on {base}:\n{log.read_text()[-3000:]}")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def fetch(url: str, accept_encoding: str):
    request = urllib.request.Request(url, headers={"Accept-Encoding": accept_encoding})
    with OPENER.open(request, timeout=10) as answer:
        return answer.status, answer.headers, answer.read()


# -- the index --------------------------------------------------------------


def test_index_lists_every_response_record_of_the_demo_warcs(collection_dir, demo):
    index = update_index(collection_dir)
    assert index == collection_dir / INDEX_NAME
    lines = index.read_text(encoding="utf-8").splitlines()
    assert lines == sorted(lines), "pywb needs the index sorted"

    expected = {}
    for path in closed_warcs(collection_dir):
        with path.open("rb") as fh:
            records = ArchiveIterator(fh)
            for record in records:
                if record.rec_type in ("response", "revisit"):
                    headers = record.rec_headers
                    expected[(path.name, records.get_record_offset())] = (
                        headers["WARC-Target-URI"],
                        headers["WARC-Date"],
                        headers["WARC-Payload-Digest"],
                    )
    entries = read_index(index)
    assert len(entries) == len(expected) > 40
    for key, stamp, fields in entries:
        path = collection_dir / fields["filename"]
        url, date, digest = expected[(fields["filename"], int(fields["offset"]))]
        assert (fields["url"], fields["digest"]) == (url, digest)
        assert stamp == "".join(ch for ch in date if ch.isdigit())[:14]
        assert key == key.lower() and ")/" in key  # a SURT key
        # offset + length frame exactly one gzip member holding that record
        with path.open("rb") as fh:
            fh.seek(int(fields["offset"]))
            member = fh.read(int(fields["length"]))
        [record] = list(ArchiveIterator(io.BytesIO(member)))
        assert record.rec_headers["WARC-Target-URI"] == url

    # every archived fetch in the corpus is in the index, at the same place
    _, engine = demo
    rows = query(engine, "SELECT warc_file, warc_offset FROM captures WHERE warc_file IS NOT NULL")
    in_corpus = {(Path(r["warc_file"]).name, r["warc_offset"]) for r in rows}
    assert in_corpus == set(expected)


def test_index_skips_open_files_and_is_replaced_whole(collection_dir, tmp_path):
    warc = closed_warcs(collection_dir)[0]
    shutil.copy(warc, tmp_path / "a-00000.warc.gz")
    shutil.copy(warc, tmp_path / "a-00001.warc.gz.open")
    (tmp_path / INDEX_NAME).write_text("stale\n")
    index = update_index(tmp_path)
    filenames = {fields["filename"] for _, _, fields in read_index(index)}
    assert filenames == {"a-00000.warc.gz"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        SIDECAR_DIR,
        "a-00000.warc.gz",
        "a-00001.warc.gz.open",
        INDEX_NAME,
    ]
    assert [p.name for p in (tmp_path / SIDECAR_DIR).iterdir()] == ["a-00000.warc.gz.cdxj"]
    (tmp_path / "a-00000.warc.gz").unlink()
    assert update_index(tmp_path).read_text() == ""


def test_the_index_the_writer_kept_is_the_index_of_the_file(collection_dir, tmp_path):
    """The crawl's WARC writer indexes records as it writes them: what it left beside each file is
    what cdxj-indexer finds in the file afterwards, and a file changed since is indexed anew."""
    made_while_writing = {}
    for warc in closed_warcs(collection_dir):
        made_while_writing[warc.name] = sidecar_path(warc).read_text(encoding="utf-8")
        shutil.copy(warc, tmp_path / warc.name)
    assert made_while_writing
    index = update_index(tmp_path)  # copies without an index of their own: indexed from the files
    for name, lines in made_while_writing.items():
        assert sidecar_path(tmp_path / name).read_text(encoding="utf-8") == lines
    assert index.read_text() == (collection_dir / INDEX_NAME).read_text()

    [name, *_] = made_while_writing
    with (tmp_path / name).open("ab") as fh:  # the file grew (say, a tool appended a record)
        fh.write((collection_dir / name).read_bytes())
    update_index(tmp_path)
    rebuilt = sidecar_path(tmp_path / name).read_text(encoding="utf-8")
    assert rebuilt.splitlines()[0] == f"#warc-bytes {(tmp_path / name).stat().st_size}"
    assert len(rebuilt.splitlines()) == 2 * len(made_while_writing[name].splitlines()) - 1


def test_crawlers_sharing_a_folder_can_rebuild_its_index_at_once(collection_dir, tmp_path):
    """Distributed workers each rebuild the index when they finish, maybe at the same moment, and
    may each index a file that has no index of its own yet."""
    for warc in closed_warcs(collection_dir):
        shutil.copy(warc, tmp_path / warc.name)
    code = (  # each worker indexes every file anew, then rebuilds the collection's index
        "import io, sys; from pathlib import Path; from cdxj_indexer import CDXJIndexer\n"
        "from warc.index import closed_warcs, update_index, write_sidecar\n"
        "for _ in range(10):\n"
        "    for warc in closed_warcs(Path(sys.argv[1])):\n"
        "        out = io.StringIO(); CDXJIndexer(out, [str(warc)]).process_all()\n"
        "        write_sidecar(warc, out.getvalue().splitlines(keepends=True))\n"
        "    update_index(sys.argv[1])\n"
    )
    workers = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    for worker in workers:
        _, errors = worker.communicate(timeout=120)
        assert worker.returncode == 0, errors.decode()[-2000:]
    assert (tmp_path / INDEX_NAME).read_text() == (collection_dir / INDEX_NAME).read_text()
    assert sorted(p.name for p in (tmp_path / SIDECAR_DIR).iterdir()) == sorted(
        p.name for p in (collection_dir / SIDECAR_DIR).iterdir()
    )  # no temporary file left behind


def test_replay_url_forms():
    base, url = "http://127.0.0.1:8080/", "http://www.example.test/a?b=1"
    date = "2014-12-19T21:05:09.123456Z"
    assert replay_url(base, "demo", date, url) == f"http://127.0.0.1:8080/demo/20141219210509/{url}"
    raw = replay_url(base, "demo", date, url, raw=True)
    assert raw == f"http://127.0.0.1:8080/demo/20141219210509id_/{url}"


# -- pywb --------------------------------------------------------------------


def test_pywb_indexer_reads_the_demo_warcs_as_we_do(collection_dir, tmp_path):
    require_pywb()
    out = tmp_path / "pywb.cdxj"
    warcs = [str(p) for p in closed_warcs(collection_dir)]
    result = subprocess.run(
        [str(PYWB_VENV / "bin" / "cdx-indexer"), "--cdxj", "--sort", "-o", str(out), *warcs],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr

    def comparable(entries):
        # pywb's indexer leaves out a revisit's status (replay takes it from the original record).
        fields = ("url", "mime", "length", "offset", "filename")
        return [
            (key, stamp, *(f[name] for name in fields), f["digest"].removeprefix("sha1:"),
             None if f["mime"] == "warc/revisit" else f["status"])
            for key, stamp, f in entries
        ]  # fmt: skip

    ours = read_index(update_index(collection_dir))
    assert comparable(read_index(out)) == comparable(ours)


def test_pywb_config_names_each_collection_folder(collection_dir):
    text = render_config({"demo": collection_dir})
    assert f'index: "{collection_dir.resolve() / INDEX_NAME}"' in text
    assert f'archive_paths: "{collection_dir.resolve()}/"' in text


def test_pywb_replays_the_archived_bytes(pywb, demo, collection_dir):
    _, engine = demo
    rows = query(
        engine,
        "SELECT DISTINCT ON (split_part(c.url, '/', 3)) c.url, c.fetched_at, c.warc_file,"
        " c.warc_offset, c.payload_digest"
        " FROM captures c JOIN article_versions v ON v.capture_id = c.id"
        " WHERE c.status = 200 ORDER BY split_part(c.url, '/', 3), c.url",
    )
    hosts = {urlsplit(row["url"]).hostname for row in rows}
    assert len(rows) >= 5 and GZIP_HOSTS <= hosts, hosts

    for row in rows:
        path = collection_dir / Path(row["warc_file"]).name
        warc_headers, http_headers, raw, decoded = record_at(path, row["warc_offset"])
        assert sha1_digest(raw) == row["payload_digest"] == warc_headers["WARC-Payload-Digest"]
        encoding = http_headers.get_header("Content-Encoding")
        link = replay_url(pywb, "demo", row["fetched_at"], row["url"], raw=True)
        assert link == replay_url(pywb, "demo", warc_headers["WARC-Date"], row["url"], raw=True)

        # A client that accepts the stored encoding gets the stored bytes, header and all.
        status, headers, body = fetch(link, "gzip, deflate")
        assert status == 200
        assert body == raw, row["url"]
        assert headers.get("Content-Encoding") == encoding

        # One that does not (urllib's default, `identity`) gets them decoded, and the original
        # header renamed: what `record.content_stream()` gives.
        status, headers, body = fetch(link, "identity")
        assert status == 200
        assert body == decoded, row["url"]
        assert headers.get("Content-Encoding") is None
        assert headers.get("X-Archive-Orig-Content-Encoding") == encoding
        if urlsplit(row["url"]).hostname in GZIP_HOSTS:
            assert encoding == "gzip" and raw != decoded and raw[:2] == b"\x1f\x8b"


def test_pywb_page_view_answers(pywb, demo):
    _, engine = demo
    [row] = query(
        engine,
        "SELECT captured_url, captured_at FROM corpus WHERE outlet_domain = 'rollingstone.test'",
    )
    status, headers, body = fetch(
        replay_url(pywb, "demo", row["captured_at"], row["captured_url"]), "identity"
    )
    assert status == 200 and b"<iframe" in body  # framed replay: the banner frame around the page


def test_missing_pywb_is_one_clear_line(tmp_path):
    with pytest.raises(ReplayError, match=r"run `make replay` \(or `make test`\)"):
        wayback_executable(tmp_path / ".venv-pywb")


def test_replay_without_collections_says_what_to_do(tmp_path):
    require_pywb()
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.read.replay"],
        cwd=ROOT, env={**os.environ, "ARCHIVE_DATA_DIR": str(tmp_path)},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    where = tmp_path / "warc"
    assert result.stderr.strip().splitlines() == [
        f"error: no WARC collections in {where}: run `make demo` or `make archive` first"
    ]
