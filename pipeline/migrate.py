"""Schema upgrades: the corpus schema comes only from the Alembic migrations in migrations/."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from pipeline.paths import PROJECT_ROOT


def alembic_config(url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)
