"""The rows of the in-memory unit of work: one dict per table, keyed by primary key, with the
tables' unique keys checked as the database would, and snapshots for rollbacks.

Rows are the SQLModel objects themselves (an identity map, as in a session): a service that
changes a row it read sees the change, and a rollback puts the old values back."""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sqlalchemy import UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

T = TypeVar("T", bound=SQLModel)
Key = tuple[Any, ...]
Snapshot = tuple[dict[type[SQLModel], dict[Key, tuple[SQLModel, dict[str, Any]]]], dict[Any, int]]


def _table(model: type[SQLModel]) -> Any:
    return model.__table__  # type: ignore[attr-defined]


def _primary_key(model: type[SQLModel]) -> list[str]:
    return [c.name for c in _table(model).primary_key.columns]


def _unique_keys(model: type[SQLModel]) -> list[list[str]]:
    """The table's unique keys besides the primary key (partial unique indexes left out:
    the code that writes them ends the old row first)."""
    table = _table(model)
    keys = [
        [c.name for c in constraint.columns]
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    ]
    keys += [[c.name] for c in table.columns if c.unique]
    return keys


class Store:
    """Every table's rows."""

    def __init__(self) -> None:
        self.tables: dict[type[SQLModel], dict[Key, SQLModel]] = defaultdict(dict)
        self._ids: dict[Any, int] = defaultdict(int)

    # ---- reading ------------------------------------------------------------------------
    def all(self, model: type[T]) -> list[T]:
        """The table's rows in primary-key order."""
        rows = self.tables[model]
        return [rows[k] for k in sorted(rows, key=_sortable)]  # type: ignore[misc]

    def where(self, model: type[T], test: Callable[[T], bool]) -> list[T]:
        return [row for row in self.all(model) if test(row)]

    def first(self, model: type[T], test: Callable[[T], bool]) -> T | None:
        return next(iter(self.where(model, test)), None)

    def get(self, model: type[T], *key: Any) -> T | None:
        found = self.tables[model].get(tuple(key))
        return found  # type: ignore[return-value]

    # ---- writing ------------------------------------------------------------------------
    def conflicts(self, row: SQLModel) -> bool:
        """Whether ``row`` would break a unique key of its table."""
        model = type(row)
        key = self._key(row)
        if None not in key and key in self.tables[model] and self.tables[model][key] is not row:
            return True
        for columns in _unique_keys(model):
            values = [getattr(row, c) for c in columns]
            if None in values:
                continue
            for other in self.tables[model].values():
                if other is not row and [getattr(other, c) for c in columns] == values:
                    return True
        return False

    def insert(self, row: SQLModel) -> bool:
        """Add a new row (its id generated as the database would); False on a unique key."""
        if self.holds(row):
            return True
        if self.conflicts(row):
            return False
        model = type(row)
        names = _primary_key(model)
        if names == ["id"] and getattr(row, "id", None) is None:
            self._ids[model] += 1
            row.id = self._ids[model]
        elif names == ["id"]:
            self._ids[model] = max(self._ids[model], row.id)  # type: ignore[attr-defined]
        self.tables[model][self._key(row)] = row
        return True

    def add(self, row: SQLModel) -> None:
        """Insert (or keep) a row; a broken unique key is the database's IntegrityError."""
        if not self.insert(row):
            raise IntegrityError("INSERT (in memory)", {}, ValueError(f"{type(row).__name__}"))

    def holds(self, row: SQLModel) -> bool:
        return any(r is row for r in self.tables[type(row)].values())

    def delete(self, rows: Iterable[SQLModel]) -> None:
        for row in list(rows):
            table = self.tables[type(row)]
            for key in [k for k, r in table.items() if r is row]:
                del table[key]

    # ---- transactions -------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        saved = {
            model: {key: (row, _values(row)) for key, row in rows.items()}
            for model, rows in self.tables.items()
        }
        return saved, dict(self._ids)

    def restore(self, snapshot: Snapshot) -> None:
        saved, ids = snapshot
        self.tables = defaultdict(dict)
        for model, rows in saved.items():
            for key, (row, values) in rows.items():
                for name, value in values.items():
                    setattr(row, name, value)
                self.tables[model][key] = row
        self._ids = defaultdict(int, ids)

    def _key(self, row: SQLModel) -> Key:
        return tuple(getattr(row, name) for name in _primary_key(type(row)))


def _values(row: SQLModel) -> dict[str, Any]:
    return {name: copy.copy(getattr(row, name)) for name in type(row).model_fields}


def _sortable(key: Key) -> tuple[Any, ...]:
    return tuple((v is None, v) for v in key)
