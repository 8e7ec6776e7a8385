"""Database engines and migrations: one URL in, an async engine and Alembic upgrades out.

Engines hide bound parameters in their errors and logs: those hold what users typed."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

import migrations

MIGRATIONS_DIR = Path(migrations.__file__).parent


class DatabaseError(RuntimeError):
    """A database problem worth one clear line to the operator."""


def _url(url: str) -> URL:
    try:
        return make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError with a long text
        raise DatabaseError(f"DATABASE_URL is not a valid database URL: {url!r}") from exc


def sync_url(url: str) -> URL:
    parsed = _url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite")
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    raise DatabaseError(f"unsupported database {backend!r}: use sqlite:// or postgresql+psycopg://")


def async_url(url: str) -> URL:
    parsed = sync_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    return parsed


def is_sqlite(url: str) -> bool:
    return sync_url(url).get_backend_name() == "sqlite"


#: Execution option of a connection whose transactions write: on SQLite they begin with
#: ``BEGIN IMMEDIATE`` (the unit of work holds the process's writer lock meanwhile).
WRITES = "pilot_coach_writes"


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    # The driver's own transaction handling off: SQLAlchemy emits BEGIN (``_sqlite_begin``),
    # so a writing transaction can take SQLite's write lock first (BEGIN IMMEDIATE) instead of
    # upgrading a read snapshot, which WAL refuses with "database is locked" when another
    # commit came in between.
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    # The scheduler's worker process writes too: a writer of one process waits here for the
    # other's transaction (short: one planning chunk, one claim, one group commit).
    cursor.execute("PRAGMA busy_timeout=30000")
    # WAL lets readers work during a write; NORMAL syncs at checkpoints, not every commit.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    writes = connection.get_execution_options().get(WRITES, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def is_in_memory(url: str) -> bool:
    parsed = sync_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")


def make_engine(url: str, *, pool_size: int = 5, max_overflow: int = 10) -> AsyncEngine:
    """The async engine of ``url``. ``serve`` makes two: one for commands, one (smaller) for
    the scheduler, so a flood of commands never starves the fan-out of connections."""
    target = async_url(url)
    if target.get_backend_name() == "sqlite":
        # Pooled connections: opening one (and its PRAGMAs) per transaction costs more than
        # the transaction itself on the dispatcher's hot path.
        in_memory = target.database in (None, "", ":memory:")
        pooling = {} if in_memory else {"pool_size": pool_size, "max_overflow": max_overflow}
        engine = create_async_engine(target, hide_parameters=True, **pooling)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(
        target,
        pool_pre_ping=True,
        hide_parameters=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
    )


async def ping(engine: AsyncEngine) -> None:
    """One round trip to the database (``pilot-coach doctor``)."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def canvas_refusals(engine: AsyncEngine) -> list[tuple[str, str, object]]:
    """The Slack workspaces that refused canvases, as the bot noted them (team, reason, since)."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT team, reason, since FROM canvas_support WHERE platform = 'slack' "
                 "ORDER BY team")
        )  # fmt: skip
        return [(str(team), str(reason), since) for team, reason, since in rows.all()]


def _alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option(
        "sqlalchemy.url", sync_url(url).render_as_string(hide_password=False).replace("%", "%%")
    )
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply Alembic migrations to ``url`` (creating an SQLite file's folder if needed)."""
    parsed = sync_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(_alembic_config(url), revision)


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def sqlite_file_missing(url: str) -> str | None:
    """The path of an SQLite database file that does not exist (yet), else None."""
    parsed = sync_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    return None if Path(database).exists() else database


def current_revision(url: str) -> str | None:
    if sqlite_file_missing(url):  # do not create an empty file just to look
        return None
    engine = create_engine(sync_url(url), poolclass=NullPool, hide_parameters=True)
    try:
        with engine.connect() as connection:
            return _revision(connection)
    finally:
        engine.dispose()


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def require_current(url: str) -> None:
    """Raise DatabaseError with what to do unless ``url`` holds a database at the newest schema."""
    missing = sqlite_file_missing(url)
    if missing:
        raise DatabaseError(
            f"no database at {missing}: point DATABASE_URL at one (make demo writes "
            "demo-out/demo.db) or create it with pilot-coach db upgrade"
        )
    current, head = current_revision(url), head_revision()
    if current != head:
        raise DatabaseError(
            f"database schema is at {current or 'nothing'}, this version needs {head}: "
            "run pilot-coach db upgrade"
        )
