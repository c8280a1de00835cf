"""The WARC writer on its own: records read back by warcio, digests that check, files that roll."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import subprocess
import sys
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from warc.writer import HttpExchange, WarcFileWriter, payload_digest

WARCIO = str(Path(sys.executable).parent / "warcio")


def exchange(n: int = 0, body: bytes = b"<html><p>hello</p></html>", **extra) -> HttpExchange:
    return HttpExchange(
        url=f"http://www.example.test/article/{n}",
        method="GET",
        request_target=f"/article/{n}",
        request_headers=[("Host", "www.example.test"), ("Accept", "text/html")],
        status=200,
        reason="OK",
        response_headers=[("Content-Type", "text/html; charset=utf-8"), *extra.pop("headers", [])],
        body=body,
        fetched_at=dt.datetime(2014, 12, 19, 17, 5, 3, 123456, tzinfo=dt.UTC),
        ip_address="127.0.0.1",
        **extra,
    )


def test_records_read_back_in_order_and_linked(tmp_path):
    writer = WarcFileWriter(tmp_path, prefix="TEST", warcinfo={"operator": "Jane Archivist"})
    location = writer.write_exchange(exchange())
    writer.close()

    [path] = tmp_path.glob("*.warc*")
    assert str(path) == location.path and path.name.endswith(".warc.gz")
    assert (tmp_path / ".cdxj" / (path.name + ".cdxj")).is_file()  # its own CDXJ index, for replay
    with path.open("rb") as fh:
        records, payloads = [], []
        for record in ArchiveIterator(fh):
            records.append(record)
            payloads.append(record.content_stream().read())
    assert [r.rec_type for r in records] == ["warcinfo", "response", "request"]
    assert b"operator: Jane Archivist" in payloads[0]
    assert payloads[1] == b"<html><p>hello</p></html>"
    response, request = records[1].rec_headers, records[2].rec_headers
    assert response["WARC-Record-ID"] == location.record_id
    assert request["WARC-Concurrent-To"] == location.record_id
    assert response["WARC-Date"] == "2014-12-19T17:05:03.123456Z"
    assert response["WARC-IP-Address"] == "127.0.0.1"
    assert response["WARC-Payload-Digest"] == location.payload_digest
    assert records[1].http_headers.statusline == "200 OK"


def test_offset_and_length_land_on_the_response_record(tmp_path):
    writer = WarcFileWriter(tmp_path)
    locations = [writer.write_exchange(exchange(n, body=b"x" * (100 * n + 1))) for n in range(5)]
    writer.close()
    data = Path(locations[0].path).read_bytes()
    for n, location in enumerate(locations):
        member = data[location.offset : location.offset + location.length]
        record = next(iter(ArchiveIterator(io.BytesIO(member))))
        assert record.rec_headers["WARC-Record-ID"] == location.record_id
        assert record.content_stream().read() == b"x" * (100 * n + 1)


def test_compressed_body_stays_compressed(tmp_path):
    body = gzip.compress(b"<html><p>compressed</p></html>")
    writer = WarcFileWriter(tmp_path)
    location = writer.write_exchange(exchange(body=body, headers=[("Content-Encoding", "gzip")]))
    writer.close()
    with Path(location.path).open("rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type == "response":
                assert record.http_headers.get_header("Content-Encoding") == "gzip"
                assert record.raw_stream.read() == body  # the payload as it came off the wire
                break
        else:
            raise AssertionError("no response record")


def test_warcio_check_accepts_the_digests(tmp_path):
    """Whether warcio computes the payload digest or the crawl hands in the one it computed."""
    writer = WarcFileWriter(tmp_path)
    for n in range(3):
        writer.write_exchange(exchange(n))
        handed_in = exchange(n + 3, body=bytes(range(256)) * (n + 1))
        writer.write_exchange(handed_in, payload_digest(handed_in.body))
    writer.close()
    result = subprocess.run(
        [WARCIO, "check", "-v", *map(str, tmp_path.glob("*.warc.gz"))], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("digest pass") == 13  # warcinfo, and 6 responses and their requests
    assert "fail" not in result.stdout


def test_files_roll_over_and_are_renamed_when_closed(tmp_path):
    writer = WarcFileWriter(tmp_path, max_bytes=2_000)
    for n in range(6):
        writer.write_exchange(exchange(n, body=bytes(range(256)) * 8))
    assert any(p.name.endswith(".open") for p in tmp_path.glob("*.warc*"))
    writer.close()
    names = sorted(p.name for p in tmp_path.glob("*.warc*"))
    assert len(names) > 1 and names == sorted(writer.files_written)
    assert not any(name.endswith(".open") for name in names)
    for name in names:  # every file starts with its own warcinfo
        with (tmp_path / name).open("rb") as fh:
            assert next(iter(ArchiveIterator(fh))).rec_type == "warcinfo"
