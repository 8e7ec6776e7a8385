"""What every repository shares: its session, and INSERT … ON CONFLICT DO NOTHING."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Dialect, Text, bindparam, literal
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator, TypeEngine
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


class _Values(TypeDecorator[list[Any]]):
    """A list bound as one parameter: a PostgreSQL array, or a JSON array for SQLite."""

    impl = Text
    cache_ok = True

    def __init__(self, item: TypeEngine[Any]) -> None:
        super().__init__()
        self.item = item

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(self.item))
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: list[Any] | None, dialect: Dialect) -> Any:
        values = list(value or ())
        return values if dialect.name == "postgresql" else json.dumps(values)


class OneOf(ColumnElement[bool]):
    """``column IN (values)`` with the values as one parameter (``one_of``)."""

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True
    _traverse_internals = [  # noqa: RUF012  (SQLAlchemy's own declaration)
        ("column", InternalTraversal.dp_clauseelement),
        ("values", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: Any, values: Iterable[int | str]) -> None:
        self.column = (
            column.__clause_element__() if hasattr(column, "__clause_element__") else column
        )
        self.values = bindparam(None, list(values), type_=_Values(self.column.type))


def one_of(column: Any, values: Iterable[int | str]) -> ColumnElement[bool]:
    """``column IN (values)`` as a statement whose text does not depend on how many values
    there are: ``= ANY(array)`` on PostgreSQL, ``IN (SELECT value FROM json_each(?))`` on
    SQLite. An IN list of a thousand ids is a thousand parameters that SQLAlchemy renders and
    the driver converts on every execution (psycopg parses such a query anew each time);
    the planner and the dispatcher run hundreds of them on a Monday."""
    return OneOf(column, values)


@compiles(OneOf)
def _one_of_json(element: OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = compiler.process(element.column, **kw), compiler.process(element.values, **kw)
    return f"{column} IN (SELECT value FROM json_each({values}))"


@compiles(OneOf, "postgresql")
def _one_of_array(element: OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = compiler.process(element.column, **kw), compiler.process(element.values, **kw)
    return f"{column} = ANY({values})"
