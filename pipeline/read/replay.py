"""`make replay`: browse the archive as it was captured, with pywb, the Webrecorder Wayback Machine.

pywb 2.10 pins packages (redis 2.10.6, werkzeug, pyOpenSSL) that clash with the crawler's, so it
lives in its own virtual environment (`.venv-pywb`, made by the Makefile) and runs as a separate
process. This module, in the main environment, rebuilds each collection's CDXJ index, writes a
pywb config with one collection per folder of var/warc/, and hands over to pywb's `wayback`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from pipeline.paths import PROJECT_ROOT, data_dir, warc_dir
from warc.index import INDEX_NAME, update_index

PYWB_VENV = PROJECT_ROOT / ".venv-pywb"
DEFAULT_PORT = 8080
DEFAULT_BIND = "127.0.0.1"
# pywb's front end fetches from its own WARC server over http://localhost:PORT; a proxy from the
# environment would swallow those requests (HTTP 500 on every replay). It needs no network.
PROXY_VARIABLES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}


class ReplayError(Exception):
    """Something the researcher can fix: printed as one line, exit status 2."""


def wayback_executable(venv: Path = PYWB_VENV) -> Path:
    """pywb's server entry point, or a ReplayError that says how to install it."""
    executable = venv / "bin" / "wayback"
    if not os.access(executable, os.X_OK):
        raise ReplayError(f"pywb is not installed in {venv}: run `make replay` (or `make test`) to build it")
    return executable


def collection_dirs(root: Path | None = None) -> dict[str, Path]:
    """Every folder of var/warc/ is a collection, named after the folder."""
    root = root or warc_dir()
    if not root.is_dir():
        return {}
    return {p.name: p for p in sorted(root.iterdir()) if p.is_dir() and not p.name.startswith(".")}


def render_config(collections: dict[str, Path]) -> str:
    """pywb config.yaml text; scalars are JSON strings, which YAML reads as double-quoted."""
    lines = [
        "# Written by `python -m pipeline.read.replay` (make replay); rewritten on every start.",
        "collections:",
    ]
    for name, folder in collections.items():
        folder = folder.resolve()
        lines += [
            f"  {json.dumps(name)}:",
            f"    index: {json.dumps(str(folder / INDEX_NAME))}",
            f"    archive_paths: {json.dumps(str(folder) + os.sep)}",
        ]
    lines += ["enable_memento: true", "framed_replay: true", ""]
    return "\n".join(lines)


def prepare(root: Path | None = None, config_dir: Path | None = None) -> tuple[Path, dict]:
    """Re-index every collection and write `config_dir/config.yaml` (var/pywb/ by default).
    Returns the config folder and {collection: number of index lines}."""
    collections = collection_dirs(root)
    if not collections:
        where = root or warc_dir()
        raise ReplayError(f"no WARC collections in {where}: run `make demo` or `make archive` first")
    counts = {}
    for name, folder in collections.items():
        with update_index(folder).open(encoding="utf-8") as index:
            counts[name] = sum(1 for _ in index)
    config_dir = config_dir or data_dir() / "pywb"
    config_dir.mkdir(parents=True, exist_ok=True)
    temporary = config_dir / "config.yaml.tmp"
    temporary.write_text(render_config(collections), encoding="utf-8")
    temporary.replace(config_dir / "config.yaml")
    return config_dir, counts


def wayback_command(config_dir: Path, port: int, bind: str = DEFAULT_BIND) -> list[str]:
    """The pywb command line; `-d` makes pywb read `config_dir/config.yaml`."""
    return [
        str(wayback_executable()),
        "--directory", str(config_dir),
        "--bind", bind,
        "--port", str(port),
    ]  # fmt: skip


def wayback_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment pywb runs in: this one without proxy settings."""
    environ = os.environ if environ is None else environ
    return {k: v for k, v in environ.items() if k.lower() not in PROXY_VARIABLES}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.read.replay",
        description="Index var/warc/ (or $ARCHIVE_DATA_DIR/warc/) and replay it with pywb.",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="default %(default)s")
    parser.add_argument("--bind", default=DEFAULT_BIND, help="address, default %(default)s")
    args = parser.parse_args(argv)
    try:
        wayback_executable()  # before indexing: say at once how to get pywb
        config_dir, counts = prepare()
    except ReplayError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    command = wayback_command(config_dir, args.port, args.bind)
    base = f"http://{args.bind}:{args.port}"
    for name, count in counts.items():
        print(f"{name}: {count} captures indexed; search them at {base}/{name}/")
    print(f"pywb serving {len(counts)} collection(s) on {base}/ (config {config_dir}/config.yaml)")
    sys.stdout.flush()
    # pywb takes over this process, so Ctrl-C and signals go straight to it
    os.execve(command[0], command, wayback_environment())
    return 0  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
