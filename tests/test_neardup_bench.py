"""The near-duplicate benchmark at tiny sizes, as `python -m bench.neardup` runs it, so it cannot rot:
every size reported with timings, the light rewrites found, the new texts not matched. No timing
is asserted (the machine may be busy)."""

from __future__ import annotations

import json

import psycopg
from sqlalchemy.engine import make_url

from tests.conftest import run_module

SIZES = (2000, 4000)
PROBES = 40


def test_bench_reports_every_size_and_finds_the_near_duplicates(postgres_admin_url, tmp_path):
    env = {"DATABASE_URL": postgres_admin_url, "ARCHIVE_DATA_DIR": str(tmp_path)}
    sizes = ",".join(map(str, SIZES))
    result = run_module("bench.neardup", "--sizes", sizes, "--probes", str(PROBES), env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((tmp_path / "bench" / "neardup.json").read_text())

    assert [r["signatures"] for r in summary["sizes"]] == list(SIZES)
    for row in summary["sizes"]:
        assert row["minhash_bands"] == row["signatures"] * summary["params"]["bands"]
        for path in ("lookup", "assign"):
            assert all(row[path][k] > 0 for k in ("median_ms", "mean_ms", "p95_ms"))
        assert row["near_probes"] > 0 and row["near_probes"] + row["fresh_probes"] == PROBES
        assert row["near_found_lookup"] == row["near_found_assign"] == row["near_probes"]
        assert row["fresh_matched"] == 0
        assert f"| {row['signatures']:,} |" in result.stdout

    # The throwaway database is gone.
    server = make_url(postgres_admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(server) as conn:
        left = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (summary["database"],)).fetchall()
    assert summary["database"].startswith("bench_") and not left
