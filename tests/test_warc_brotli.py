"""A brotli-encoded response record reads back decoded through warcio (the shim in warc/__init__.py)."""

from __future__ import annotations

import io

import brotli
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import warc

PAGE = b"<html><body><p>Guardians of Peace</p></body></html>" * 200


def test_a_brotli_body_reads_back_decoded_and_its_reader_closes():
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    headers = StatusAndHeaders(
        "200 OK", [("Content-Type", "text/html"), ("Content-Encoding", "br")], protocol="HTTP/1.1"
    )
    body = brotli.compress(PAGE)
    record = writer.create_warc_record(
        "http://www.bitwire.test/",
        "response",
        payload=io.BytesIO(body),
        http_headers=headers,
        length=len(body),
    )
    writer.write_record(record)
    buffer.seek(0)
    stream = next(iter(ArchiveIterator(buffer))).content_stream()
    assert stream.read() == PAGE
    stream.close()  # warcio flushes the decompressor
    assert warc._warcio_reads_brotli()
