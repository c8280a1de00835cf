"""The WARC writer on its own: records read back by warcio, digests that check, files that roll."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import subprocess
import sys
from dataclasses import replace
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


def test_a_body_the_server_compressed_is_stored_as_sent_without_deflating_it_again(tmp_path):
    """gzip per record, as every WARC reader expects; a body sent gzip-encoded gains nothing from a
    second deflate, so its record's member stores it (the member is its record plus gzip's few
    bytes of framing), while a plain page is compressed as before."""
    page = b"<html><body>" + b"<p>The studio pulled the film from release.</p>" * 200 + b"</body></html>"
    sent = gzip.compress(page, mtime=0)
    writer = WarcFileWriter(tmp_path, prefix="TEST", gzip_level=5)
    encoded = writer.write_exchange(exchange(1, sent, headers=[("Content-Encoding", "gzip")]))
    plain = writer.write_exchange(exchange(2, page))
    writer.close()

    data = Path(encoded.path).read_bytes()
    for location, body in ((encoded, sent), (plain, page)):
        member = data[location.offset : location.offset + location.length]
        for record in ArchiveIterator(io.BytesIO(member)):
            assert record.raw_stream.read() == body  # the body as the server sent it
            assert record.rec_headers["WARC-Payload-Digest"] == payload_digest(body)
    record_bytes = len(gzip.decompress(data[encoded.offset : encoded.offset + encoded.length]))
    assert record_bytes < encoded.length < record_bytes * 1.01 + 64  # stored, not deflated
    assert plain.length < len(page) / 5  # deflated
    with Path(encoded.path).open("rb") as fh:  # and the whole file reads as one WARC
        assert [r.rec_type for r in ArchiveIterator(fh)] == ["warcinfo", *["response", "request"] * 2]


def test_the_index_made_while_writing_is_cdxj_indexers_index_of_the_file(tmp_path):
    """Each record is indexed from the record just written, not read back: its lines must be the
    ones cdxj-indexer makes from the finished file, odd headers included (space around a value, a
    non-ASCII one, none at all), revisits too."""
    from cdxj_indexer import CDXJIndexer

    from warc.index import sidecar_path

    writer = WarcFileWriter(tmp_path, prefix="TEST")
    first = writer.write_exchange(exchange(1))
    for n, headers in enumerate(
        [
            [("Content-Type", "  TEXT/HTML ; charset=utf-8 ")],
            [("Content-Type", "text/html; charset=\u00e9t\u00e9"), ("Content-Type", "image/png")],
            [("content-type", "application/pdf")],
            [("Content-Encoding", "gzip"), ("X-Note", "two\r\n words")],
        ],
        start=2,
    ):
        writer.write_exchange(replace(exchange(n), response_headers=headers))
    writer.write_revisit(exchange(1), first, exchange(1).url)
    writer.close()

    [path] = tmp_path.glob("*.warc.gz")
    made = sidecar_path(path).read_text(encoding="utf-8").splitlines()[1:]
    out = io.StringIO()
    CDXJIndexer(out, [str(path)]).process_all()
    assert made == sorted(out.getvalue().splitlines())
    assert len(made) == 6
