"""A child process on the event loop (warc/childprocess.py), as the WARC writer process uses it: a
writer killed with fetches in flight loses none of them, and without an event loop the fetches are
written in the calling thread. (The extraction workers' deaths: test_extractpool.py.)"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections import Counter

from warcio.archiveiterator import ArchiveIterator

from tests.test_warc_writer import exchange
from warc.middleware import WriterProcess
from warc.writer import Fetch, WarcFileWriter, payload_digest


class Stats(Counter):
    def inc_value(self, key, count=1, start=0):
        self[key] += count


def fetch(n: int) -> Fetch:
    page = exchange(n, body=os.urandom(50_000))  # incompressible: the writer has work to do
    return Fetch(page, payload_digest(page.body), [("software", "test")], None)


def responses(folder) -> dict[str, set[str]]:
    """Record ids by URL, in every file, those a killed process left `.open` too (where a fetch it
    wrote but did not answer for is written once more)."""
    found: dict[str, set[str]] = {}
    for path in folder.glob("*.warc.gz*"):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    url = record.rec_headers["WARC-Target-URI"]
                    found.setdefault(url, set()).add(record.rec_headers["WARC-Record-ID"])
    return found


def test_a_killed_writer_process_is_replaced_and_loses_no_fetch(tmp_path):
    stats = Stats()
    fetches = [fetch(n) for n in range(60)]

    async def crawl():
        process = WriterProcess(WarcFileWriter(tmp_path), 1 << 20, stats)
        process.start()
        threads = threading.active_count()
        sent = [process.send(f) for f in fetches]
        first = await sent[0]
        os.kill(process.child.process.pid, signal.SIGKILL)  # the rest are in flight
        rest = await asyncio.gather(*sent[1:])
        assert threading.active_count() == threads  # no thread of ours
        return [first, *rest], await process.close()

    answers, files = asyncio.run(crawl())
    assert stats["warc/writer_restarts"] == 1
    assert len(files) == 1
    written = responses(tmp_path)
    for f, (location, original, _) in zip(fetches, answers, strict=True):
        assert original is None and location.record_id in written[f.exchange.url]


def test_without_an_event_loop_the_fetches_are_written_here(tmp_path):
    """As under a Twisted reactor other than asyncio's."""
    process = WriterProcess(WarcFileWriter(tmp_path), 1 << 20)
    process.start()
    assert process.child is None
    location, _, _ = process.send(fetch(1))
    files = asyncio.run(process.close())
    assert files == [os.path.basename(location.path)]
    assert responses(tmp_path) == {fetch(1).exchange.url: {location.record_id}}
