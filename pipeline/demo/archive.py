"""The fixture web archive: a real pywb serving WARC captures of fixture pages, some of which are
gone from the live fixture web. `web.archive.test` (Wayback CDX and `id_` replay) and
`index.commoncrawl.test` / `data.commoncrawl.test` (CDX index, byte-range WARC files) answer from
it while it runs: replay by pywb, CDX queries from its index (cdxserver.py). Used by `make demo`
and by the web-archive tests."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.read.replay import render_config, wayback_command, wayback_environment, wayback_executable
from warc.index import update_index
from warc.writer import HttpExchange, WarcFileWriter

from . import discovery_archive
from .discovery_docs import ARCHIVE_TIMES, archive_only_pages
from .moved import ARCHIVE_TIME as MOVED_TIME
from .moved import moved_pages
from .responses import render_page

if TYPE_CHECKING:
    from .page import Page
    from .site import Site

COLLECTION = "fixture"
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# Later captures of the archive-only pages: an archive holds many captures of one URL (the CDX
# queries collapse them to one row per URL).
RECAPTURE_TIMES = ("20141226090000", "20150110090000")


def archive_captures(site: Site) -> list[tuple[Page, str]]:
    """(page, 14-digit capture time) of everything in the fixture archive."""
    live = next(p for p in site.articles() if p.url.startswith("http://www.capitaltribune.test/world/"))
    gone = archive_only_pages()
    captures = list(zip(gone, ARCHIVE_TIMES, strict=True)) + [(live, "20141222120000")]
    captures += list(zip(gone, RECAPTURE_TIMES, strict=True))
    return captures + [(page, MOVED_TIME) for page, _ in moved_pages()]


def write_archive(site: Site, directory: Path) -> None:
    """The archive-only pages (twice each), one live World article and the moved pages, as
    captured in December 2014 and January 2015."""
    writer = WarcFileWriter(directory, prefix="fixture-archive")
    for page, stamp in archive_captures(site):
        body = render_page(site, page).encode()
        writer.write_exchange(
            HttpExchange(
                url=page.url,
                method="GET",
                request_target=page.path,
                request_headers=[("Host", page.host)],
                status=200,
                reason="OK",
                response_headers=[
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Length", str(len(body))),
                ],
                body=body,
                fetched_at=dt.datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC),
            )
        )
    writer.close()
    update_index(directory)


class FixtureArchive:
    """Context manager: pywb over the fixture archive in `root`, wired into the fixture web."""

    def __init__(self, site: Site, root: Path) -> None:
        wayback_executable()  # raises ReplayError with the way to install pywb
        self.site, self.root = site, Path(root)
        self.process: subprocess.Popen | None = None
        self.base = ""

    def __enter__(self) -> FixtureArchive:
        folder = self.root / COLLECTION
        write_archive(self.site, folder)
        (self.root / "config.yaml").write_text(render_config({COLLECTION: folder}), encoding="utf-8")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        self.log = (self.root / "pywb.log").open("wb")
        self.process = subprocess.Popen(
            wayback_command(self.root, port),
            cwd=self.root,
            env=wayback_environment(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_ready()
        collection = f"{self.base}/{COLLECTION}"
        discovery_archive.configure(
            wayback=collection, commoncrawl=collection, cc_data_dir=folder, index=folder / "index.cdxj"
        )
        return self

    def _wait_until_ready(self, attempts: int = 150) -> None:
        for _ in range(attempts):
            try:
                with _OPENER.open(f"{self.base}/{COLLECTION}/cdx?url=www.capitaltribune.test/*", timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        self.__exit__(None, None, None)
        tail = (self.root / "pywb.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"pywb did not start: {tail}")

    def __exit__(self, *exc: object) -> None:
        discovery_archive.configure()
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
        self.log.close()
