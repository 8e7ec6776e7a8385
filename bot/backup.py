"""Backups and data-protection commands: a full JSON dump of every table, its restore into an
empty database (also SQLite -> PostgreSQL), and the per-person export and forget.

The dump lists rows per table in dependency order; dates and times are ISO strings. Tables the
schema has but SQLModel does not describe (slack_sdk's installation store) are dumped too.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, MetaData, Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.app import App, build_app
from bot.services.privacy import forget, personal_data
from bot.settings import Settings
from storage.db import head_revision, require_current
from storage.repositories import UnitOfWork
from storage.tables import Person

FORMAT = "pilot-coach-dump"
VERSION = 1


class BackupError(RuntimeError):
    pass


async def _tables(conn: AsyncConnection) -> list[Table]:
    metadata = MetaData()
    await conn.run_sync(lambda sync: metadata.reflect(bind=sync))
    return [t for t in metadata.sorted_tables if t.name != "alembic_version"]


def _plain(value: Any) -> Any:
    """JSON-ready values; timestamps always as UTC with offset (SQLite keeps them naive UTC)."""
    if isinstance(value, datetime):
        aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return aware.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _typed(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for column in table.columns:
        value = out.get(column.name)
        if isinstance(value, str) and isinstance(column.type, DateTime):
            moment = datetime.fromisoformat(value)
            out[column.name] = moment if column.type.timezone else moment.replace(tzinfo=None)
        elif isinstance(value, str) and isinstance(column.type, Date):
            out[column.name] = date.fromisoformat(value)
    return out


def _ensure_current(settings: Settings) -> None:
    require_current(settings.database_url)


async def dump(settings: Settings) -> str:
    _ensure_current(settings)
    app = build_app(settings, adapters={})
    try:
        async with app.engine.connect() as conn:
            data: dict[str, list[dict[str, Any]]] = {}
            for table in await _tables(conn):
                order = [c for c in table.primary_key.columns] or list(table.columns)
                rows = await conn.execute(select(table).order_by(*order))
                data[table.name] = [{k: _plain(v) for k, v in row._mapping.items()} for row in rows]
    finally:
        await app.close()
    document = {"format": FORMAT, "version": VERSION, "schema": head_revision(), "tables": data}
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


async def restore(settings: Settings, raw: str) -> dict[str, int]:
    """Load a dump into an empty database at the same schema; returns rows per table."""
    _ensure_current(settings)
    try:
        document = json.loads(raw)
    except ValueError as exc:
        raise BackupError(f"not a JSON dump: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupError("not a pilot-coach export --format json dump")
    if document.get("schema") != head_revision():
        raise BackupError(f"the dump is of schema {document.get('schema')}, this database is at "
                          f"{head_revision()}")  # fmt: skip
    tables_data: dict[str, list[dict[str, Any]]] = document.get("tables", {})
    app = build_app(settings, adapters={})
    counts: dict[str, int] = {}
    try:
        async with app.engine.begin() as conn:
            tables = await _tables(conn)
            for table in tables:
                if table.name == "sim_clock":
                    continue
                count = (await conn.execute(select(func.count()).select_from(table))).scalar()
                if count:
                    raise BackupError(f"the database is not empty (table {table.name})")
            for table in tables:
                rows = [_typed(table, r) for r in tables_data.get(table.name, [])]
                if table.name == "sim_clock":
                    await conn.execute(table.delete())
                if rows:
                    await conn.execute(table.insert(), rows)
                counts[table.name] = len(rows)
            if conn.dialect.name == "postgresql":
                for table in tables:
                    key = list(table.primary_key.columns)
                    if len(key) == 1 and key[0].autoincrement and tables_data.get(table.name):
                        await conn.execute(text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', "
                            f"'{key[0].name}'), (SELECT MAX({key[0].name}) FROM {table.name}))"
                        ))  # fmt: skip
    finally:
        await app.close()
    return counts


@asynccontextmanager
async def _people(
    settings: Settings, external_id: str
) -> AsyncIterator[tuple[App, UnitOfWork, Sequence[Person]]]:
    """Everyone with this platform id, in one unit of work; BackupError if there is nobody."""
    _ensure_current(settings)
    app = build_app(settings, adapters={})
    try:
        async with app.uow() as uow:
            found = await uow.repo.people_by_external_id(external_id)
            if not found:
                raise BackupError(f"no person with id {external_id}")
            yield app, uow, found
    finally:
        await app.close()


async def export_person(settings: Settings, external_id: str) -> str:
    async with _people(settings, external_id) as (_app, uow, found):
        data = [await personal_data(uow.repo, p) for p in found]
    return json.dumps({"people": data}, ensure_ascii=False, indent=2) + "\n"


async def forget_person(settings: Settings, external_id: str) -> list[str]:
    async with _people(settings, external_id) as (app, uow, found):
        for person in found:
            await forget(uow.repo, person, app.clock.now())
        await uow.commit()
        return [person.display_name for person in found]
