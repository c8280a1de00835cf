"""Provenance: verify, reprocess (rebuild from WARC), import-warc (others' WARCs), bad files."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from warcio.archiveiterator import ArchiveIterator

from pipeline.normalize.forms import canonical_url
from pipeline.rebuild.records import read_responses
from tests.conftest import query, run_cli

CONTENT = (
    "SELECT canonical_url, outlet, title, dek, authors, published_at, language, text, word_count,"
    " content_hash FROM corpus ORDER BY canonical_url"
)


@pytest.fixture
def fresh(make_database, tmp_path):
    """An empty corpus database and its own data folder."""
    url = make_database()
    engine = create_engine(url)
    env = {"DATABASE_URL": url, "ARCHIVE_DATA_DIR": str(tmp_path / "var")}
    yield engine, env
    engine.dispose()


def copy_archive(demo_archive, tmp_path):
    """The demo's WARC files, copied so a test may damage them."""
    target = tmp_path / "var" / "warc"
    shutil.copytree(demo_archive.data / "warc", target)
    return target


def test_verify_passes_on_an_intact_archive(demo_archive):
    env = {"DATABASE_URL": demo_archive.database_url, "ARCHIVE_DATA_DIR": str(demo_archive.data)}
    result = run_cli("verify", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all records intact" in result.stdout
    [count] = query(demo_archive.engine, "SELECT count(*) FROM captures WHERE warc_record_id IS NOT NULL")
    assert f"verified {count['count']} WARC records in 2 files" in result.stdout


def test_verify_reports_damage_by_file_and_offset(demo_archive, tmp_path):
    warc = copy_archive(demo_archive, tmp_path)
    [row] = query(
        demo_archive.engine,
        "SELECT warc_file, warc_offset, warc_length FROM corpus ORDER BY canonical_url LIMIT 1",
    )
    path = warc / row["warc_file"]
    data = bytearray(path.read_bytes())
    data[row["warc_offset"] + row["warc_length"] // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    env = {"DATABASE_URL": demo_archive.database_url, "ARCHIVE_DATA_DIR": str(tmp_path / "var")}
    result = run_cli("verify", env=env)
    assert result.returncode == 1
    assert f"{row['warc_file']}:{row['warc_offset']}: " in result.stdout
    assert "1 problem(s) found" in result.stdout
    assert "Traceback" not in result.stderr


def test_reprocess_rebuilds_the_same_corpus_and_is_idempotent(demo_archive, fresh, tmp_path):
    engine, env = fresh
    copy_archive(demo_archive, tmp_path)
    first = run_cli("reprocess", env=env)
    assert first.returncode == 0, first.stderr[-2000:]
    rebuilt = query(engine, CONTENT)
    assert rebuilt == query(demo_archive.engine, CONTENT)

    counts = "SELECT (SELECT count(*) FROM captures) c, (SELECT count(*) FROM article_versions) v"
    before = query(engine, counts)
    second = run_cli("reprocess", env=env)
    assert second.returncode == 0
    assert "0 new, 0 updated" in second.stdout
    assert query(engine, counts) == before
    assert query(engine, CONTENT) == rebuilt
    # Every capture of the crawl is back, with its WARC location.
    original = query(
        demo_archive.engine,
        "SELECT warc_record_id, warc_file, warc_offset, warc_length, payload_digest, warc_type"
        " FROM captures WHERE warc_record_id IS NOT NULL ORDER BY 1",
    )
    restored = query(
        engine,
        "SELECT warc_record_id, warc_file, warc_offset, warc_length, payload_digest, warc_type"
        " FROM captures ORDER BY 1",
    )
    assert restored == original


def test_reprocess_of_warc_files_given_as_files_rebuilds_the_crawled_corpus(demo_archive, fresh, tmp_path):
    """Files named one by one, from a folder that names no collection: each file's warcinfo does."""
    engine, env = fresh
    loose = tmp_path / "loose"
    loose.mkdir()
    for path in sorted((demo_archive.data / "warc" / "demo").glob("*.warc.gz")):
        shutil.copy(path, loose / path.name)
    result = run_cli("reprocess", *map(str, sorted(loose.iterdir())), env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    with_collection = f"SELECT collection, {CONTENT.removeprefix('SELECT ')}"
    assert query(engine, with_collection) == query(demo_archive.engine, with_collection)
    assert {r["collection"] for r in query(engine, "SELECT collection FROM crawl_runs")} == {"demo"}


def test_reprocess_names_each_files_collection_and_takes_an_override(fresh, tmp_path):
    from warcio.warcwriter import WARCWriter

    def warc(path: Path, part_of: str | None) -> Path:
        with path.open("wb") as fh:
            writer = WARCWriter(fh, gzip=True)
            fields = {"software": "a test"} | ({"isPartOf": part_of} if part_of else {})
            writer.write_record(writer.create_warcinfo_record(path.name, fields))
        return path

    from pipeline.rebuild.records import by_collection, warcinfo_fields

    first, second, other = (
        warc(tmp_path / "a.warc.gz", "alpha"),
        warc(tmp_path / "b.warc.gz", "beta"),
        warc(tmp_path / "c.warc.gz", None),
    )
    assert warcinfo_fields(first)["isPartOf"] == "alpha"
    assert by_collection([first, other, second], "reprocess") == [
        ("alpha", [first]),
        ("reprocess", [other]),
        ("beta", [second]),
    ]
    engine, env = fresh
    result = run_cli("reprocess", str(first), str(second), env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "collection alpha:" in result.stdout and "collection beta:" in result.stdout
    result = run_cli("reprocess", "--collection", "gamma", str(first), str(second), env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    runs = query(engine, "SELECT collection FROM crawl_runs ORDER BY id")
    assert [r["collection"] for r in runs] == ["alpha", "beta", "gamma"]


def test_a_new_extraction_is_kept_beside_the_old_one(demo_archive, fresh, tmp_path):
    engine, env = fresh
    copy_archive(demo_archive, tmp_path)
    assert run_cli("reprocess", env=env).returncode == 0
    result = run_cli("reprocess", "--favor", "precision", env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = query(
        engine,
        "SELECT article_id, count(*) AS n, count(DISTINCT extractor_settings) AS settings,"
        " bool_and(extractor = 'trafilatura' AND extractor_version <> '') AS named"
        " FROM article_versions GROUP BY article_id",
    )
    assert rows and all(r["n"] == 2 and r["settings"] == 2 and r["named"] for r in rows)
    favors = query(
        engine,
        "SELECT DISTINCT v.extractor_settings->'trafilatura'->>'favor' AS favor"
        " FROM corpus c JOIN article_versions v ON v.id = c.version_id",
    )
    assert favors == [{"favor": "precision"}]  # the corpus view shows the newest extraction


def _wget_warc(fixture_web, urls, folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "urls.txt").write_text("\n".join(urls) + "\n")
    subprocess.run(
        [
            "wget",
            "-q",
            "-e",
            "use_proxy=yes",
            "-e",
            f"http_proxy={fixture_web.proxy_url}",
            "-e",
            "robots=off",
            "--warc-file=wget-crawl",
            "--no-warc-keep-log",
            "-O",
            "/dev/null",
            "-i",
            "urls.txt",
        ],
        cwd=folder,
        check=True,
        timeout=120,
    )
    return folder / "wget-crawl.warc.gz"


def test_wget_warcs_import_as_the_same_articles(demo_archive, fresh, fixture_web, site, tmp_path):
    engine, env = fresh
    urls = [page.url for page in site.published("on")]
    warc = _wget_warc(fixture_web, urls, tmp_path / "elsewhere")
    result = run_cli("import-warc", str(warc), "--collection", "wget", env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    imported = query(engine, CONTENT)
    assert imported == query(demo_archive.engine, CONTENT)
    files = query(engine, "SELECT DISTINCT warc_file FROM captures")
    assert files == [{"warc_file": str(warc)}]  # provenance: the original file, never rewritten
    check = run_cli("verify", env=env)
    assert check.returncode == 0 and "all records intact" in check.stdout


def test_bad_files_are_reported_and_good_records_still_taken(demo_archive, fresh, tmp_path):
    engine, env = fresh
    warc = copy_archive(demo_archive, tmp_path)
    [first_file, _] = sorted((warc / "demo").glob("*.warc.gz"))
    good_before = query(engine, "SELECT count(*) FROM corpus")
    data = first_file.read_bytes()
    starts = record_starts(first_file)
    middle = starts[len(starts) // 2]  # cut inside a record, never on a boundary
    truncated = tmp_path / "truncated.warc.gz"
    truncated.write_bytes(data[: middle + 40])
    not_warc = tmp_path / "notes.warc.gz"
    not_warc.write_text("these are my notes, not a WARC file\n")
    result = run_cli("import-warc", str(truncated), str(not_warc), env=env)
    assert "Traceback" not in result.stderr
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"{truncated}:" in result.stdout and f"{not_warc}:0: " in result.stdout
    taken = query(engine, "SELECT count(*) FROM corpus")[0]["count"]
    assert good_before[0]["count"] == 0 < taken < len(demo_archive_articles(demo_archive))
    check = run_cli("verify", env=env)
    assert check.returncode == 0, check.stdout  # nothing half-written reached the corpus


def record_starts(path: Path) -> list[int]:
    with path.open("rb") as fh:
        records = ArchiveIterator(fh)
        return [records.get_record_offset() for _ in records]


def test_a_file_cut_anywhere_is_reported(demo_archive, tmp_path):
    """Wherever a copy stops (a record header, a body, a gzip trailer), the reader says so; a file
    cut exactly between records is a whole, shorter WARC and is read without complaint."""
    [first_file, _] = sorted((demo_archive.data / "warc" / "demo").glob("*.warc.gz"))
    data = first_file.read_bytes()
    boundaries = set(record_starts(first_file))
    copy = tmp_path / "cut.warc.gz"
    silent = []
    for cut in range(1, len(data), max(1, len(data) // 400)):
        copy.write_bytes(data[:cut])
        problems = []
        list(read_responses(copy, problems))
        if not problems and cut not in boundaries:
            silent.append(cut)
    assert silent == []
    for cut in sorted(boundaries)[1:6]:
        copy.write_bytes(data[:cut])
        problems = []
        list(read_responses(copy, problems))
        assert problems == []


def demo_archive_articles(demo_archive):
    return query(demo_archive.engine, "SELECT canonical_url FROM corpus")


def test_import_of_missing_file_is_one_line(fresh):
    _, env = fresh
    result = run_cli("import-warc", "/nonexistent/crawl.warc.gz", env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: no such WARC file or folder: /nonexistent/crawl.warc.gz"


def archived_urls(paths) -> set[str]:
    """Target URIs of the whole response records in these files (a torn tail is ignored)."""
    from warcio.archiveiterator import ArchiveIterator

    urls = set()
    for path in paths:
        try:
            fh = path.open("rb")
        except FileNotFoundError:  # renamed from .open while we looked; the next poll sees it
            continue
        with fh:
            try:
                for record in ArchiveIterator(fh, check_digests=True):
                    if record.rec_type == "response":
                        record.content_stream().read()
                        if record.digest_checker.passed:  # whole, not a torn tail
                            urls.add(record.rec_headers["WARC-Target-URI"])
            except Exception:  # noqa: BLE001 - a torn last record while the crawler writes
                pass
    return urls


def test_crawl_killed_mid_way_loses_no_closed_record(fresh, fixture_web, site, tmp_path):
    import os
    import signal
    import sys
    import time

    from pipeline.rebuild.records import warc_files
    from tests.conftest import ROOT

    engine, env = fresh
    articles = [page.url for page in site.articles("on")]
    slow = [f"http://www.globalwire.test/slow?seconds=30&n={n}" for n in range(4)]
    seeds = "".join(f'[[seeds]]\nurl = "{u}"\n' for u in articles + slow)
    collection = tmp_path / "killed.toml"
    collection.write_text(f'[collection]\nname = "killed"\ntitle = "Killed mid-way"\n{seeds}')
    folder = tmp_path / "var" / "warc" / "killed"
    crawl = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipeline",
            "crawl",
            "--collection",
            str(collection),
            "--proxy",
            fixture_web.proxy_url,
            "-s",
            "ARCHIVE_WARC_MAX_BYTES=60000",
            "-s",
            "DOWNLOAD_TIMEOUT=60",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):  # until every article is archived (at most 60 s)
            closed = list(folder.glob("*.warc.gz"))
            open_files = list(folder.glob("*.warc.gz.open"))
            if closed and open_files and archived_urls(closed + open_files) >= set(articles):
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the crawl did not archive the articles in time")
    finally:
        crawl.send_signal(signal.SIGKILL)
        crawl.wait(timeout=30)

    closed = sorted(folder.glob("*.warc.gz"))
    warcio = str(Path(sys.executable).parent / "warcio")
    check = subprocess.run([warcio, "check", *map(str, closed)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout  # every closed file is valid after a kill -9
    assert list(folder.glob("*.open"))

    result = run_cli("reprocess", env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "recovered killed-" in result.stdout
    assert not list(folder.glob("*.open"))
    files = warc_files([folder])
    check = subprocess.run([warcio, "check", *map(str, files)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    stored = {r["canonical_url"] for r in query(engine, "SELECT canonical_url FROM corpus")}
    assert stored == {canonical_url(u) for u in articles}
    assert run_cli("verify", env=env).returncode == 0
