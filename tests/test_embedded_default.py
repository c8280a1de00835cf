"""With no DATABASE_URL the archive uses an embedded PostgreSQL under the data folder."""

from __future__ import annotations

import psycopg
import pytest

from pipeline.database import DEMO_SUFFIX, EMBEDDED_DB_NAME, stop_embedded
from pipeline.normalize.forms import canonical_url
from tests.conftest import run_cli


@pytest.fixture
def data_dir(tmp_path):
    yield tmp_path
    stop_embedded(tmp_path / "pgdata")


def test_demo_without_database_url_fills_its_own_embedded_database(data_dir, site):
    env = {"ARCHIVE_DATA_DIR": str(data_dir), "DATABASE_URL": "", "DEMO_DATABASE_URL": ""}
    result = run_cli("demo", "--collection", "demo", env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (data_dir / "pgdata" / "PG_VERSION").exists()

    import pgserver

    server = pgserver.get_server(data_dir / "pgdata", cleanup_mode=None)
    with psycopg.connect(server.get_uri(EMBEDDED_DB_NAME + DEMO_SUFFIX)) as conn:
        urls = [r[0] for r in conn.execute("SELECT canonical_url FROM corpus ORDER BY 1")]
    # the on-topic articles, and the paywall teaser (its headline and lede were published)
    assert urls == sorted(canonical_url(p.url) for p in site.published("on"))

    # The server is reused: `--demo` finds the same rows; the corpus itself holds no fictional outlet.
    again = run_cli("--demo", "psql", "-At", "-c", "SELECT count(*) FROM corpus", env=env)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == str(len(urls))
    assert run_cli("migrate", env=env).returncode == 0
    corpus = run_cli("psql", "-At", "-c", "SELECT count(*) FROM outlets", env=env)
    assert corpus.returncode == 0, corpus.stderr
    assert corpus.stdout.strip() == "0"
