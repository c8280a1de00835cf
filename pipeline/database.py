"""Which PostgreSQL the corpus lives in: DATABASE_URL, or an embedded server under the data folder."""

from __future__ import annotations

import logging
import os
from functools import cache
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from pipeline.paths import data_dir

log = logging.getLogger(__name__)

EMBEDDED_DB_NAME = "archive"


class DatabaseUnavailable(RuntimeError):
    """The corpus database cannot be reached; the message is one line, password masked."""


def masked(url: str | URL) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable DATABASE_URL>"


def sqlalchemy_url(url: str) -> str:
    """Accept plain libpq URLs (postgres://, postgresql://) and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def embedded_pgdata() -> Path:
    return data_dir() / "pgdata"


def start_embedded(pgdata: Path | None = None) -> str:
    """Start (or reuse) the embedded PostgreSQL and return a URL to its corpus database.

    The server keeps running after this process exits, so later runs and `make psql` reuse it.
    """
    import pgserver

    pgdata = pgdata or embedded_pgdata()
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{EMBEDDED_DB_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {EMBEDDED_DB_NAME};")
        log.info("created embedded database %s in %s", EMBEDDED_DB_NAME, pgdata)
    return sqlalchemy_url(server.get_uri(EMBEDDED_DB_NAME))


def stop_embedded(pgdata: Path | None = None, mode: str = "fast") -> None:
    """Stop the embedded server (it otherwise outlives every command, on purpose)."""
    from pgserver._commands import pg_ctl

    pgdata = (pgdata or embedded_pgdata()).resolve()
    if (pgdata / "postmaster.pid").exists():
        # As root, pgserver runs PostgreSQL as its own 'pgserver' system user.
        user = "pgserver" if os.geteuid() == 0 else None
        pg_ctl(["-w", "-m", mode, "stop"], pgdata=pgdata, user=user)


def resolve_database_url() -> str:
    """DATABASE_URL when set, otherwise the embedded server (started on demand)."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return sqlalchemy_url(url)
    return start_embedded()


@cache
def engine_for(url: str) -> Engine:
    return create_engine(url, pool_pre_ping=True, future=True)


def check_connection(url: str) -> Engine:
    """Connect once, turning every failure into a one-line DatabaseUnavailable."""
    try:
        engine = engine_for(url)
    except (ArgumentError, ValueError) as exc:
        raise DatabaseUnavailable(f"DATABASE_URL {masked(url)} is not a valid URL: {exc}") from None
    except ImportError as exc:
        raise DatabaseUnavailable(f"no driver for DATABASE_URL {masked(url)}: {exc}") from None
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc).splitlines()[0]
        raise DatabaseUnavailable(f"cannot connect to {masked(url)}: {reason}") from None
    return engine
