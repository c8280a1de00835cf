"""One crawl at a time per collection: a PostgreSQL session advisory lock.

Cron can fire freely: an overlapping run finds the lock taken and leaves at once. The lock lives
as long as the holding connection, so a killed crawl never leaves it behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

LOCK_SQL = text("SELECT pg_try_advisory_lock(hashtext(:key))")
UNLOCK_SQL = text("SELECT pg_advisory_unlock(hashtext(:key))")


@contextmanager
def collection_lock(engine: Engine, collection: str) -> Iterator[bool]:
    """Yields True when this process holds the collection's lock, False when another one does."""
    key = f"incident-archive crawl:{collection}"
    with engine.connect() as conn:
        acquired = bool(conn.execute(LOCK_SQL, {"key": key}).scalar())
        conn.commit()
        try:
            yield acquired
        finally:
            if acquired:
                try:
                    conn.execute(UNLOCK_SQL, {"key": key})
                    conn.commit()
                except DBAPIError:
                    pass  # the connection is gone, and the lock with it
