"""What every repository shares: its session, and INSERT … ON CONFLICT DO NOTHING."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import ColumnElement, literal
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession


class SessionRepository:
    """A repository works in the unit of work's session (its transaction)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert_ignore(self, table: type[SQLModel], values: dict[str, Any]) -> bool:
        """INSERT unless a unique key already exists; True if a row was written."""
        return await insert_ignore(self.session, table, values)


async def insert_ignore(
    session: AsyncSession, table: type[SQLModel], values: dict[str, Any]
) -> bool:
    """INSERT unless a unique key already exists; True if a row was written."""
    key = list(table.__table__.primary_key.columns)  # type: ignore[attr-defined]
    connection = await session.connection()
    stmt = insert_statement(connection, table).values(**values).on_conflict_do_nothing()
    # A row comes back only if it was written (rowcount is not reliable for INSERT).
    result = await connection.execute(stmt.returning(*key))
    return result.first() is not None


def insert_statement(connection: AsyncConnection, table: Any) -> Any:
    """The dialect's INSERT, which has ``on_conflict_do_nothing`` (SQLite and PostgreSQL)."""
    return (pg_insert if connection.dialect.name == "postgresql" else sqlite_insert)(table)


# Compact UTF-8 JSON (German text with escaped umlauts and dashes is a third longer); one
# encoder, since json.dumps builds a new one on every call with non-default options.
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def json_text(value: dict[str, Any]) -> str:
    return _JSON.encode(value)


def is_literal(column: Any, value: str) -> ColumnElement[bool]:
    """``column = 'value'`` with the value in the SQL text, not a parameter: only so do SQLite
    and PostgreSQL see that the query keeps to a partial index's rows (``storage.tables``)."""
    return column == literal(value, literal_execute=True)  # type: ignore[no-any-return]
