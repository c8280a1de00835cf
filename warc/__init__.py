"""WARC capture: a Scrapy-free writer (writer.py), run in a child process (childprocess.py) by the
Scrapy downloader middleware (middleware.py)."""

from __future__ import annotations

from warcio.bufferedreaders import BufferedReader

try:
    import brotli
except ImportError:  # pragma: no cover - brotli comes with Scrapy
    brotli = None


class _BrotliForWarcio:
    """warcio 1.x reads ``br`` bodies with brotli's old API (``decompress``, ``unused_data``), which
    brotli 1.2 no longer has: without this, reading any brotli-encoded response record raises
    AttributeError (reprocess, pending-WARC recovery, import-warc)."""

    unused_data = None

    def __init__(self) -> None:
        self._decompressor = brotli.Decompressor()

    def decompress(self, data: bytes) -> bytes:
        return self._decompressor.process(data)

    def flush(self) -> bytes:  # what warcio calls when a reader closes
        return b""


def _warcio_reads_brotli() -> bool:
    """Whether the ``br`` decompressor warcio registered on its import can be made (a warcio that
    uses brotli's current API, or brotlicffi's, needs nothing from here)."""
    make = BufferedReader.DECOMPRESSORS.get("br")
    try:
        return make is not None and hasattr(make(), "decompress")
    except AttributeError:
        return False


# warcio registers its ``br`` decompressor in this process-wide table when it is imported; it is
# corrected here, as early, so that every reader of WARC files in the process (ours, warcio's own
# `warcio check`) decodes brotli bodies. It depends on the installed libraries only, never on a run.
if brotli is not None and not _warcio_reads_brotli():
    BufferedReader.DECOMPRESSORS["br"] = _BrotliForWarcio
