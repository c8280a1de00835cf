"""Items that wait for the end of a run wait on disk: memory stays flat in their number."""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator


class ItemSpill:
    """Pickled items in an anonymous temporary file, read back in the order they came."""

    def __init__(self) -> None:
        self.file = None
        self.count = 0

    def __len__(self) -> int:
        return self.count

    def append(self, item) -> None:
        if self.file is None:
            self.file = tempfile.TemporaryFile(prefix="archive-items-")
        pickle.dump(item, self.file, protocol=pickle.HIGHEST_PROTOCOL)
        self.count += 1

    def batches(self, size: int) -> Iterator[list]:
        """The items, `size` at a time; the spill is empty (and its file gone) afterwards."""
        file, self.file, self.count = self.file, None, 0
        if file is None:
            return
        with file:
            file.seek(0)
            batch: list = []
            while True:
                try:
                    batch.append(pickle.load(file))
                except EOFError:
                    break
                if len(batch) >= size:
                    yield batch
                    batch = []
            if batch:
                yield batch
