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
# Workers of one distributed crawl hold the lock together; a single-process run excludes them all.
SHARED_LOCK_SQL = text("SELECT pg_try_advisory_lock_shared(hashtext(:key))")
SHARED_UNLOCK_SQL = text("SELECT pg_advisory_unlock_shared(hashtext(:key))")


@contextmanager
def collection_lock(engine: Engine, collection: str, shared: bool = False) -> Iterator[bool]:
    """Yields True when this process holds the collection's lock, False when another one does."""
    key = f"incident-archive crawl:{collection}"
    lock, unlock = (SHARED_LOCK_SQL, SHARED_UNLOCK_SQL) if shared else (LOCK_SQL, UNLOCK_SQL)
    with engine.connect() as conn:
        acquired = bool(conn.execute(lock, {"key": key}).scalar())
        conn.commit()
        try:
            yield acquired
        finally:
            if acquired:
                try:
                    conn.execute(unlock, {"key": key})
                    conn.commit()
                except DBAPIError:
                    pass  # the connection is gone, and the lock with it
