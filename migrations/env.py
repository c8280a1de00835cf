"""Alembic environment: one transaction per migration, guarded by an advisory lock (as warehouse does)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool, text

from pipeline.database import resolve_database_url, sqlalchemy_url
from pipeline.models import Base

# Any two processes migrating at once serialize on this lock instead of racing.
MIGRATION_LOCK_ID = 0x50_4E_45_57_53  # arbitrary, stable

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    url = config.attributes.get("url") or context.get_x_argument(as_dictionary=True).get("url")
    return sqlalchemy_url(url) if url else resolve_database_url()


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        connection.execute(text("SET statement_timeout = '5min'"))
        connection.execute(text("SET lock_timeout = '60s'"))
        connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        connection.commit()
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                transaction_per_migration=True,
                compare_server_default=True,
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID})
            connection.commit()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
