"""Where generated data lives: one git-ignored folder, `var/` unless ARCHIVE_DATA_DIR says otherwise."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR_VARIABLE = "ARCHIVE_DATA_DIR"


def data_dir() -> Path:
    configured = os.environ.get(DATA_DIR_VARIABLE, "").strip()
    return Path(configured).resolve() if configured else PROJECT_ROOT / "var"


def warc_dir() -> Path:
    return data_dir() / "warc"


def warc_reference(path: Path) -> str:
    """How the corpus names a WARC file: relative to the WARC folder when inside it, else absolute.

    Relative names keep the corpus valid when the data folder moves; imported files from
    elsewhere keep their own absolute location (they are never copied or rewritten).
    """
    path = Path(path).resolve()
    try:
        return path.relative_to(warc_dir().resolve()).as_posix()
    except ValueError:
        return str(path)


def resolve_warc(reference: str) -> Path:
    path = Path(reference)
    return path if path.is_absolute() else warc_dir() / path
