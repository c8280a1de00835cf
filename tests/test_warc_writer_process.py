"""WARC capture with the writer process, in a real Scrapy crawl of the fixture web: the records come
back in order and linked, at the locations the middleware reported before the spider saw each
response, across file rotations, with revisits of payloads still being written; the process is
gone when the crawl ends, and also when the crawl is killed."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from tests.conftest import ROOT, run_module

REPEATS = 3  # one URL asked for this many times at once: one response, then revisits


def crawl(fixture_web, tmp_path: Path, urls: list[str], **settings) -> dict:
    """Run `main` below in its own process (one reactor per process); its JSON report."""
    out = tmp_path / "report.json"
    job = {"urls": urls, "warc_dir": str(tmp_path / "warc"), "out": str(out), "settings": settings}
    env = {"http_proxy": fixture_web.proxy_url, "ARCHIVE_DATA_DIR": str(tmp_path / "var")}
    (tmp_path / "job.json").write_text(json.dumps(job))
    result = run_module("tests.test_warc_writer_process", str(tmp_path / "job.json"), env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(out.read_text())


def read_records(path: Path) -> list[dict]:
    with path.open("rb") as fh:
        records = ArchiveIterator(fh)
        return [
            {
                "type": record.rec_type,
                "id": record.rec_headers.get_header("WARC-Record-ID"),
                "to": record.rec_headers.get_header("WARC-Concurrent-To"),
                "refers": record.rec_headers.get_header("WARC-Refers-To"),
                "uri": record.rec_headers.get_header("WARC-Target-URI"),
                "offset": records.get_record_offset(),
            }
            for record in records
        ]


def record_at(path: str, offset: int, length: int):
    with open(path, "rb") as fh:
        fh.seek(offset)
        member = fh.read(length)
    assert len(gzip.decompress(member)) > 0  # exactly one whole gzip member
    with open(path, "rb") as fh:
        fh.seek(offset)
        return next(iter(ArchiveIterator(fh)))


def test_records_in_order_linked_and_located_across_rotations(fixture_web, site, tmp_path):
    pages = [page.url for page in site.pages]
    repeated = pages[0]
    urls = [repeated] * REPEATS + pages[1:] + ["http://www.bitwire.test/no-such-page/"]
    report = crawl(fixture_web, tmp_path, urls, ARCHIVE_WARC_MAX_BYTES=60_000, ARCHIVE_WARC_GZIP_LEVEL=5)

    folder = tmp_path / "warc"
    files = sorted(folder.glob("*.warc.gz"))
    assert len(files) > 1, "the files should have rolled over"
    assert not list(folder.glob("*.open")), "every file is closed when the spider closes"
    assert sorted(report["files"]) == sorted(p.name for p in files)

    # Each file: warcinfo, then one fetch at a time: response (or revisit), request, metadata.
    by_id = {}
    for path in files:
        records = read_records(path)
        assert records[0]["type"] == "warcinfo"
        rest = records[1:]
        assert len(rest) % 3 == 0
        for first, request, metadata in zip(rest[0::3], rest[1::3], rest[2::3], strict=True):
            assert first["type"] in ("response", "revisit")
            assert (request["type"], request["to"]) == ("request", first["id"])
            assert (metadata["type"], metadata["to"]) == ("metadata", first["id"])
            assert request["uri"] == metadata["uri"] == first["uri"]
            by_id[first["id"]] = first | {"path": path}

    captures = report["captures"]
    assert len(captures) == len(by_id) == len(urls) + report["redirects"]
    for capture in captures:
        location = capture["location"]
        record = record_at(location["path"], location["offset"], location["length"])
        assert record.rec_headers.get_header("WARC-Record-ID") == location["record_id"]
        assert record.rec_type == capture["warc_type"]
        assert by_id[location["record_id"]]["offset"] == location["offset"]

    # The same payload asked for while its first copy was still being written: revisits of it.
    same = [c for c in captures if c["url"] == repeated]
    assert [c["warc_type"] for c in same] == ["response"] + ["revisit"] * (REPEATS - 1)
    original = same[0]["location"]["record_id"]
    assert all(by_id[c["location"]["record_id"]]["refers"] == original for c in same[1:])

    # The spider saw each response only after its capture was reported, with its location.
    parsed = report["parsed"]
    assert len(parsed) == len(urls) - 1  # the 404 goes to no callback
    assert all(p["captured_before_parse"] and p["location"] for p in parsed)
    assert {p["location"] for p in parsed if p["url"] == repeated} == {original}

    stats = report["stats"]
    assert stats["warc/records_written"] == 3 * len(captures)
    assert stats["warc/revisits"] == REPEATS - 1
    assert isinstance(stats["stage_seconds/warc"], float) and stats["stage_seconds/warc"] > 0
    assert report["writer_processes_seen"] == 1
    assert not report["processes_left"], "the writer process stops with the spider"


def _children_of(pid: int) -> set[int]:
    children = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text() if (task / "children").exists() else ""
        children.update(int(c) for c in text.split())
    return children


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")  # a zombie has exited (its parent is gone, nobody reaps it)


def test_a_killed_crawl_takes_its_writer_process_along(fixture_web, site, tmp_path):
    from warc.recover import recover_open_files

    urls = [page.url for page in site.pages] * 30
    job = {
        "urls": urls,
        "warc_dir": str(tmp_path / "warc"),
        "out": str(tmp_path / "out.json"),
        "settings": {},
    }
    env = {**os.environ, "http_proxy": fixture_web.proxy_url, "ARCHIVE_DATA_DIR": str(tmp_path / "var")}
    (tmp_path / "job.json").write_text(json.dumps(job))
    crawl = subprocess.Popen(
        [sys.executable, "-m", "tests.test_warc_writer_process", str(tmp_path / "job.json")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    folder = tmp_path / "warc"
    try:
        for _ in range(300):  # until the writer process is writing (at most 30 s)
            writers = _children_of(crawl.pid)
            if writers and any(p.stat().st_size > 50_000 for p in folder.glob("*.open")):
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the crawl did not start writing in time")
    finally:
        crawl.kill()
        crawl.wait(timeout=30)
    deadline = time.monotonic() + 10
    while any(_running(pid) for pid in writers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_running(pid) for pid in writers), "the writer process outlived the crawl"
    [recovered] = recover_open_files(folder)  # its lock is gone with it
    assert recovered.action == "recovered" and recovered.records > 1


# -- the crawl, in its own process -------------------------------------------------------------


def _still_running(pids: set[int], seconds: float) -> list[int]:
    """Those of `pids` still running after at most `seconds`."""
    deadline = time.monotonic() + seconds
    while (running := [pid for pid in pids if _running(pid)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return running


def main(job: dict) -> None:
    import scrapy
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from warc.middleware import CAPTURE_RECORD, LOCATION, capture_recorded

    captures, parsed, seen_processes = [], [], set()

    class Fetch(scrapy.Spider):
        name = "warc-threaded"

        async def start(self):
            for url in job["urls"]:
                yield scrapy.Request(url, dont_filter=True)

        def parse(self, response):
            seen_processes.update(_children_of(os.getpid()))
            record_id = response.meta.get(CAPTURE_RECORD)
            location = response.meta.get(LOCATION)
            parsed.append(
                {
                    "url": response.url,
                    "location": location.record_id if location else None,
                    "captured_before_parse": any(c["location"]["record_id"] == record_id for c in captures),
                }
            )

    def on_capture(capture):
        location = capture.location
        captures.append(
            {
                "url": capture.url,
                "warc_type": capture.warc_type,
                "status": capture.status,
                "location": {
                    "path": location.path,
                    "offset": location.offset,
                    "length": location.length,
                    "record_id": location.record_id,
                },
            }
        )

    os.environ["SCRAPY_SETTINGS_MODULE"] = "pipeline.settings"
    settings = get_project_settings()
    settings.setdict(
        {
            "ITEM_PIPELINES": {},
            "ROBOTSTXT_OBEY": False,
            "AUTOTHROTTLE_ENABLED": False,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
            "ARCHIVE_WARC_DIR": job["warc_dir"],
            "LOG_LEVEL": "WARNING",
            **job["settings"],
        },
        priority="cmdline",
    )
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(Fetch)
    crawler.signals.connect(on_capture, signal=capture_recorded, weak=False)
    crawler.signals.connect(lambda: None, signal=signals.engine_started, weak=False)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats()
    report = {
        "captures": captures,
        "parsed": parsed,
        "files": stats.get("warc/files", []),
        "redirects": stats.get("downloader/response_status_count/301", 0)
        + stats.get("downloader/response_status_count/302", 0),
        "stats": {k: v for k, v in stats.items() if k.startswith(("warc/", "stage_seconds/"))},
        "writer_processes_seen": len(seen_processes),
        "processes_left": _still_running(seen_processes, 5.0),
    }
    Path(job["out"]).write_text(json.dumps(report, default=str))


if __name__ == "__main__":
    main(json.loads(Path(sys.argv[1]).read_text()))
