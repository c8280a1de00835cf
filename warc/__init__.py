"""WARC capture: a Scrapy-free writer (writer.py) and the Scrapy downloader middleware (middleware.py)."""

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


if brotli is not None and not hasattr(brotli.Decompressor, "decompress"):
    BufferedReader.DECOMPRESSORS["br"] = _BrotliForWarcio
