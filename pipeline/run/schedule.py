"""`make cron`: the crontab line that runs a collection unattended.

Overlapping starts are safe (the crawl takes a per-collection advisory lock and an overlapping
run exits at once with status 0), so the line needs no flock; output goes to var/logs/cron.log
beside each collection's own rotating log.

Cron starts a job with next to no environment, so the settings that say where a run's data goes
(DATABASE_URL, ARCHIVE_DATA_DIR, REDIS_URL), when set where the line is made, are written to an
environment file only its owner can read, which the line reads: without it a scheduled run would
archive into the embedded database and var/ instead, and a line that carried them itself would
show a database password wherever it is printed.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from pipeline.paths import PROJECT_ROOT, data_dir

MARKER = "# incident-archive"
CARRIED = ("DATABASE_URL", "ARCHIVE_DATA_DIR", "REDIS_URL")  # where a scheduled run's data goes


def environment_file(collection: str, environ: Mapping[str, str] = os.environ) -> Path | None:
    """Writes the CARRIED settings that are set to var/cron/<collection>.env (mode 0600, replaced
    whole), as shell assignments; None, and nothing written, when none is set."""
    settings = {name: environ[name].strip() for name in CARRIED if environ.get(name, "").strip()}
    if not settings:
        return None
    if "ARCHIVE_DATA_DIR" in settings:  # as the run resolves it, whatever folder cron starts in
        settings["ARCHIVE_DATA_DIR"] = str(Path(settings["ARCHIVE_DATA_DIR"]).resolve())
    folder = data_dir() / "cron"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (re.sub(r"[^A-Za-z0-9._-]", "_", collection) + ".env")
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write("# Read by the crontab line of `make cron`; made again by it.\n")
        out.writelines(f"export {name}={shlex.quote(value)}\n" for name, value in settings.items())
    os.replace(partial, path)
    return path


def cron_line(collection: str, schedule: str, environment: Path | None = None) -> str:
    """The crontab line; it reads `environment` (see environment_file) first, when given."""
    log = data_dir() / "logs" / "cron.log"
    command = (
        f"cd {shlex.quote(str(PROJECT_ROOT))} && "
        + (f". {shlex.quote(str(environment))} && " if environment else "")
        + f"mkdir -p {shlex.quote(str(log.parent))} && "
        f"make archive COLLECTION={shlex.quote(collection)} >> {shlex.quote(str(log))} 2>&1"
    )
    return f"{schedule} {command} {MARKER} {collection}"


def validate_schedule(schedule: str) -> None:
    fields = schedule.split()
    if len(fields) != 5 and not (len(fields) == 1 and fields[0].startswith("@")):
        raise ValueError(
            f"schedule {schedule!r} must have five cron fields (e.g. '0 */6 * * *') or be @daily etc."
        )


def install(line: str, collection: str) -> str:
    """Add the line to the user's crontab, replacing an earlier line for the same collection."""
    crontab = shutil.which("crontab")
    if not crontab:
        raise RuntimeError("crontab not found: install cron (e.g. apt install cron) or paste the line")
    current = subprocess.run([crontab, "-l"], capture_output=True, text=True)
    lines = current.stdout.splitlines() if current.returncode == 0 else []
    kept = [entry for entry in lines if not entry.endswith(f"{MARKER} {collection}")]
    new = "\n".join([*kept, line]) + "\n"
    subprocess.run([crontab, "-"], input=new, text=True, check=True)
    return new
