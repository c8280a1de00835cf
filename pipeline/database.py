"""Which PostgreSQL the corpus lives in: DATABASE_URL, or an embedded server under the data folder."""

from __future__ import annotations

import logging
import os
import warnings
from functools import cache
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from pipeline.paths import data_dir

log = logging.getLogger(__name__)

EMBEDDED_DB_NAME = "archive"
# The demo's fictional outlets get a database of their own, beside the corpus, never in it.
DEMO_SUFFIX = "_demo"


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


def start_embedded(pgdata: Path | None = None, name: str = EMBEDDED_DB_NAME) -> str:
    """Start (or reuse) the embedded PostgreSQL and return a URL to its database `name`.

    The server keeps running after this process exits, so later runs and `make psql` reuse it.
    """
    with warnings.catch_warnings():  # platformdirs, on import, about a variable pgserver never uses
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        import pgserver

    pgdata = pgdata or embedded_pgdata()
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {name};")
        log.info("created embedded database %s in %s", name, pgdata)
    return sqlalchemy_url(server.get_uri(name))


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


def demo_database_url() -> str:
    """The demo's own database: DEMO_DATABASE_URL when set; else `<database>_demo` on the
    DATABASE_URL server (created when missing); else `archive_demo` in the embedded server."""
    url = os.environ.get("DEMO_DATABASE_URL", "").strip()
    if url:
        return sqlalchemy_url(url)
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return start_embedded(name=EMBEDDED_DB_NAME + DEMO_SUFFIX)
    try:
        corpus = make_url(sqlalchemy_url(url))
    except ArgumentError as exc:
        raise DatabaseUnavailable(f"DATABASE_URL {masked(url)} is not a valid URL: {exc}") from None
    demo = corpus.set(database=f"{corpus.database or 'postgres'}{DEMO_SUFFIX}")
    _create_database(corpus, demo.database)
    return demo.render_as_string(hide_password=False)


def _create_database(server: URL, name: str) -> None:
    """CREATE DATABASE `name` on `server`'s cluster unless it exists (as `server`'s user)."""
    import psycopg

    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{name}"')
                log.info("created database %s for the demo", name)
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable(
            f"cannot create the demo's database {name} beside {masked(server)}: {reason} "
            "(set DEMO_DATABASE_URL to a database the demo may use)"
        ) from None


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
