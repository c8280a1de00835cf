"""Shared fixtures: a real PostgreSQL (the local service, or an embedded one when there is none),
a throwaway database per test run, and the fixture web on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pipeline.database import sqlalchemy_url
from pipeline.demo import FixtureWeb, load_site
from pipeline.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
SERVICE_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _service_available(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@pytest.fixture(scope="session")
def postgres_admin_url(tmp_path_factory) -> str:
    """The PostgreSQL service on 127.0.0.1:5432, or an embedded server when it is not running."""
    if _service_available(SERVICE_URL):
        yield SERVICE_URL
        return
    import pgserver

    server = pgserver.get_server(tmp_path_factory.mktemp("pg"), cleanup_mode="delete")
    yield server.get_uri("postgres")
    server.cleanup()


@pytest.fixture(scope="session")
def make_database(postgres_admin_url):
    """Creates throwaway databases migrated to head; all are dropped when the run ends."""
    created: list[str] = []

    def make() -> str:
        name = f"archive_test_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        url = (
            make_url(sqlalchemy_url(postgres_admin_url))
            .set(database=name)
            .render_as_string(hide_password=False)
        )
        upgrade(url)
        return url

    yield make
    with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
        for name in created:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(make_database) -> str:
    """A database shared by the tests that do not care what else is in it."""
    return make_database()


@pytest.fixture(scope="session")
def engine(database_url):
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def site():
    return load_site()


@pytest.fixture(scope="session")
def fixture_web(site):
    with FixtureWeb(site=site).start() as web:
        yield web


@dataclass
class DemoArchive:
    first: subprocess.CompletedProcess
    second: subprocess.CompletedProcess
    data: Path
    database_url: str
    engine: object


@pytest.fixture(scope="session")
def demo_archive(make_database, tmp_path_factory):
    """Two `python -m pipeline demo` runs into their own database and data folder (read-only).

    The fixture web stays at its first edition (`--edition 1`): two crawls of the same pages, every
    article one version. The first run shows its progress (-v), the second is as quiet as usual."""
    url = make_database()
    data = tmp_path_factory.mktemp("demo-var")
    env = {"DATABASE_URL": url, "DEMO_DATABASE_URL": url, "ARCHIVE_DATA_DIR": str(data)}
    first = run_cli("demo", "--collection", "demo", "--edition", "1", "-v", env=env)
    second = run_cli("demo", "--collection", "demo", "--edition", "1", env=env)
    engine = create_engine(url)
    yield DemoArchive(first, second, data, url, engine)
    engine.dispose()


def run_module(
    module: str,
    *args: str,
    env: dict[str, str] | None = None,
    timeout: int = 300,
    unset: tuple[str, ...] = ("DATABASE_URL",),
) -> subprocess.CompletedProcess:
    """Run `python -m MODULE ARGS` from the project folder, in this environment less `unset` plus `env`."""
    full_env = {k: v for k, v in os.environ.items() if k not in unset}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: int = 300):
    """Run `python -m pipeline ARGS` as a researcher would, from the project folder."""
    return run_module("pipeline", *args, env=env, timeout=timeout)


def query(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).mappings().all()
