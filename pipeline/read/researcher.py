"""Read-only access to the corpus, as the `researcher` role that migration 0005 creates.

The role is NOLOGIN: the corpus owner's connection switches to it (`SET ROLE researcher`) inside a
read-only transaction, so a query researchers bring can read every table and view and write
nothing. For people who should never hold the owner's password, an administrator makes a login
role that is only a member of it: `CREATE ROLE alice LOGIN PASSWORD '...' IN ROLE researcher`.
"""

from __future__ import annotations

import argparse
import datetime as dt
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

import psycopg
from sqlalchemy.engine import make_url

from pipeline.database import check_connection, resolve_database_url

if TYPE_CHECKING:
    from collections.abc import Iterator

ROLE = "researcher"


class ReadingError(Exception):
    """A normal mistake (bad query, missing file, no such outlet): one line, exit status 2."""


def researcher_session_sql() -> str:
    """SQL that turns an owner's session into a read-only researcher session (for psql)."""
    return f"SET ROLE {ROLE};\nSET default_transaction_read_only = on;\n"


def researcher_pgoptions() -> str:
    """The same, as PGOPTIONS for the server to apply at connection time: `psql` then needs no
    start-up file, and `\\c` keeps it (append it to any PGOPTIONS already set)."""
    return f"-c role={ROLE} -c default_transaction_read_only=on"


def corpus_url(migrate: bool = True) -> str:
    """The corpus database as a libpq URL (DATABASE_URL or the embedded server), schema upgraded."""
    url = resolve_database_url()
    check_connection(url)
    if migrate:
        from pipeline.migrate import upgrade

        upgrade(url)
    return libpq_url(url)


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL (postgresql+psycopg://...) as psycopg and psql take it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True)


@contextmanager
def read_only(conn: psycopg.Connection, as_researcher: bool = True) -> Iterator[psycopg.Connection]:
    """A read-only transaction in UTC, as the researcher role unless told otherwise; rolled back."""
    with conn.transaction(force_rollback=True):
        conn.execute("SET TRANSACTION READ ONLY")
        conn.execute("SET LOCAL TIME ZONE 'UTC'")  # dates and ::date casts in UTC, as the docs say
        if as_researcher:
            _become_researcher(conn)
        yield conn


def _become_researcher(conn: psycopg.Connection) -> None:
    try:
        conn.execute(f"SET LOCAL ROLE {ROLE}")
    except psycopg.errors.InvalidParameterValue:
        raise ReadingError(
            f"the role {ROLE} does not exist: an administrator creates it with CREATE ROLE {ROLE} "
            "NOLOGIN and GRANT SELECT ON ALL TABLES IN SCHEMA public TO researcher"
        ) from None
    except psycopg.errors.InsufficientPrivilege:
        user = conn.info.user
        raise ReadingError(
            f"{user} may not act as the role {ROLE}: an administrator runs GRANT {ROLE} TO {user}"
        ) from None


def explain(exc: psycopg.Error, what: str = "the query") -> str:
    """One line for a database error: what went wrong, in the server's words, and where."""
    diag = exc.diag
    message = (diag.message_primary or str(exc)).strip().splitlines()[0]
    if isinstance(exc, psycopg.errors.ReadOnlySqlTransaction):
        return f"{what} tried to change the corpus, which is read-only here ({message})"
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return f"{what} needs more than the {ROLE} role may do, which is read the corpus ({message})"
    if isinstance(exc, psycopg.errors.SyntaxError) and diag.statement_position:
        return f"syntax error in {what} at character {diag.statement_position}: {message}"
    return f"{what} failed: {message}"


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None
