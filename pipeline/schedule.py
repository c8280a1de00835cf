"""`make cron`: the crontab line that runs a collection unattended.

Overlapping starts are safe (the crawl takes a per-collection advisory lock and an overlapping
run exits at once with status 0), so the line needs no flock; output goes to var/logs/cron.log
beside each collection's own rotating log.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess

from pipeline.paths import PROJECT_ROOT, data_dir

MARKER = "# incident-archive"


def cron_line(collection: str, schedule: str) -> str:
    log = data_dir() / "logs" / "cron.log"
    command = (
        f"cd {shlex.quote(str(PROJECT_ROOT))} && mkdir -p {shlex.quote(str(log.parent))} && "
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
