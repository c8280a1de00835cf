"""`crawl --workers N`: N crawler processes on this machine, one distributed crawl (frontier.py).

Each worker is `python -m pipeline crawl` with REDIS_URL and DATABASE_URL set, so a worker started
here is the same as one started by hand on another machine. Ctrl-C or SIGTERM reaches every worker;
each finishes its in-flight records and leaves the rest of the run in Redis for the next start.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass

from pipeline.paths import PROJECT_ROOT


@dataclass(frozen=True, slots=True)
class WorkersResult:
    codes: list[int]

    @property
    def status(self) -> int:
        """1 if any worker failed (2 for a usage error), 0 when all ended well."""
        return max(self.codes, default=0)


def run_workers(
    count: int,
    collection: str,
    database_url: str,
    redis_url: str,
    extra_args: list[str],
) -> WorkersResult:
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url}
    command = [sys.executable, "-m", "pipeline", "crawl", "--collection", collection, *extra_args]
    # Own sessions: a Ctrl-C at the terminal reaches each worker once, forwarded from here.
    workers = [
        subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, start_new_session=True) for _ in range(count)
    ]

    def forward(signum, _frame):
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        codes = [worker.wait() for worker in workers]
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return WorkersResult(codes)
