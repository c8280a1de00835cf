"""Set-up through make: the tools the tests need (installed as root, else the exact command), and
make clean-data removing the data folder only when asked, never the project or an outside database."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

MAKE = shutil.which("make")
# Never (re)build the environment from a test: make treats the venv stamp as up to date.
KEEP_VENV = ["-o", ".venv/.installed"]


def _make(*args: str, env: dict[str, str], stdin: str = "", unprivileged: bool = False):
    command = [MAKE, "-s", *KEEP_VENV, *args]
    if unprivileged and os.geteuid() == 0:  # run as nobody, as a user without root would
        command = [shutil.which("setpriv"), "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    full_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ARCHIVE_DATA_DIR")}
    full_env.update(env)
    return subprocess.run(
        command, cwd=ROOT, env=full_env, input=stdin, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def bin_without_wget():
    """A PATH holding what the check itself runs (id), but neither wget nor apt-get; in a folder
    the unprivileged user can read (pytest's own are private to the user running the tests)."""
    folder = Path(tempfile.mkdtemp(prefix="archive-bin-"))
    folder.chmod(0o755)
    (folder / "id").symlink_to(shutil.which("id"))
    yield folder
    shutil.rmtree(folder)


def test_missing_tools_without_root_print_the_exact_install_command(bin_without_wget):
    env = {"PATH": str(bin_without_wget), "CHROMIUM": str(bin_without_wget / "chromium")}
    result = _make("test-tools", env=env, unprivileged=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "the tests need wget chromium: install as root with: apt-get install -y wget chromium"
    ]


def test_tools_present_print_nothing(bin_without_wget):
    wget = bin_without_wget / "wget"
    wget.write_text("#!/bin/sh\n")  # only its presence is checked
    wget.chmod(0o755)
    env = {"PATH": str(bin_without_wget), "CHROMIUM": str(wget)}
    result = _make("test-tools", env=env, unprivileged=True)
    assert (result.returncode, result.stdout) == (0, "")


def test_only_the_missing_tool_is_named(bin_without_wget):
    env = {"PATH": str(bin_without_wget), "CHROMIUM": str(bin_without_wget / "id")}
    result = _make("test-tools", env=env, unprivileged=True)
    assert result.stdout.strip() == "the tests need wget: install as root with: apt-get install -y wget"


def _data_folder(tmp_path: Path) -> Path:
    data = tmp_path / "var"
    (data / "warc" / "demo").mkdir(parents=True)
    (data / "warc" / "demo" / "demo-1.warc.gz").write_bytes(b"\x1f\x8b" + b"0" * 4096)
    (data / "report").mkdir()
    (data / "report" / "index.html").write_text("<html></html>")
    return data


def test_clean_data_yes_removes_the_data_folder_and_says_what(tmp_path):
    data = _data_folder(tmp_path)
    result = _make("clean-data", "YES=1", env={"ARCHIVE_DATA_DIR": str(data)})
    assert result.returncode == 0, result.stderr
    assert not data.exists()
    assert f"this removes {data}" in result.stdout
    assert f"{data}/warc" in result.stdout and f"{data}/report" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == f"removed {data}"


def test_clean_data_asks_first_and_keeps_everything_unless_confirmed(tmp_path):
    data = _data_folder(tmp_path)
    result = _make("clean-data", env={"ARCHIVE_DATA_DIR": str(data)}, stdin="n\n")
    assert result.returncode != 0
    assert "remove it? [y/N]" in result.stdout and "nothing removed" in result.stdout
    assert (data / "warc" / "demo" / "demo-1.warc.gz").exists()
    confirmed = _make("clean-data", env={"ARCHIVE_DATA_DIR": str(data)}, stdin="y\n")
    assert confirmed.returncode == 0, confirmed.stderr
    assert not data.exists()


def test_clean_data_says_an_outside_database_is_untouched(tmp_path, postgres_admin_url):
    data = _data_folder(tmp_path)
    env = {"ARCHIVE_DATA_DIR": str(data), "DATABASE_URL": postgres_admin_url}
    result = _make("clean-data", "YES=1", env=env)
    assert result.returncode == 0, result.stderr
    assert "the database at DATABASE_URL is not touched" in result.stdout
    assert postgres_admin_url not in result.stdout  # no connection string (it may hold a password)
    assert not data.exists()


def test_clean_data_refuses_a_folder_that_is_not_a_data_folder():
    result = _make("clean-data", "YES=1", env={"ARCHIVE_DATA_DIR": str(ROOT)})
    assert result.returncode != 0
    assert "refusing to remove" in result.stdout
    assert (ROOT / "Makefile").exists()
