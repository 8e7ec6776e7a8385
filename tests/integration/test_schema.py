"""The migrations build exactly the schema the SQLModel tables describe (SQLite and, with
TEST_DATABASE_URL, PostgreSQL): a column added to storage/tables.py without a migration, or the
other way round, fails here. The Slack SDK's own tables are not ours and are left out."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers the tables)
from storage.db import sync_url, upgrade
from tests.conftest import _reset_postgres


def _differences(url: str) -> list[Any]:
    upgrade(url)
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            found = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()

    def ours(diff: Any) -> bool:
        item = diff[0] if isinstance(diff, list) else diff
        table = getattr(item[1], "table", item[1]) if len(item) > 1 else None
        name = getattr(table, "name", None) or (item[2] if len(item) > 2 else "")
        return not str(name).startswith("slack_")

    return [d for d in found if ours(d)]


def test_migrations_match_the_tables_on_sqlite(tmp_path: Path) -> None:
    assert _differences(f"sqlite:///{tmp_path / 'schema.db'}") == []


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL")
def test_migrations_match_the_tables_on_postgresql() -> None:
    url = os.environ["TEST_DATABASE_URL"]
    _reset_postgres(url)
    assert _differences(url) == []
