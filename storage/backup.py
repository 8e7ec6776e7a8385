"""The full dump of every table and its restore into an empty database (also SQLite ->
PostgreSQL): the SQL behind ``pilot-coach backup`` / ``restore`` (``bot.backup``).

Rows are listed per table in dependency order; dates and times are ISO strings. Tables the
schema has but SQLModel does not describe (slack_sdk's installation store) are dumped too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, MetaData, Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


class NotEmpty(RuntimeError):
    """A restore needs an empty database; ``table`` has rows."""

    def __init__(self, table: str) -> None:
        super().__init__(f"the database is not empty (table {table})")
        self.table = table


async def dump_tables(engine: AsyncEngine) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows, JSON-ready, ordered by primary key."""
    async with engine.connect() as conn:
        data: dict[str, list[dict[str, Any]]] = {}
        for table in await _tables(conn):
            order = [c for c in table.primary_key.columns] or list(table.columns)
            rows = await conn.execute(select(table).order_by(*order))
            data[table.name] = [{k: _plain(v) for k, v in row._mapping.items()} for row in rows]
    return data


async def restore_tables(
    engine: AsyncEngine, tables_data: dict[str, list[dict[str, Any]]]
) -> dict[str, int]:
    """Load dumped rows into an empty database (NotEmpty otherwise); returns rows per table."""
    counts: dict[str, int] = {}
    async with engine.begin() as conn:
        tables = await _tables(conn)
        for table in tables:
            if table.name == "sim_clock":
                continue
            count = (await conn.execute(select(func.count()).select_from(table))).scalar()
            if count:
                raise NotEmpty(table.name)
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
    return counts


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
