"""Where generated data lives: one git-ignored folder, `var/` unless ARCHIVE_DATA_DIR says otherwise."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    configured = os.environ.get("ARCHIVE_DATA_DIR", "").strip()
    return Path(configured).resolve() if configured else PROJECT_ROOT / "var"


def warc_dir() -> Path:
    return data_dir() / "warc"
