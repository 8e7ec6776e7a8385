"""Backups and data-protection commands: a full JSON dump of every table, its restore into an
empty database (also SQLite -> PostgreSQL), and the per-person export and forget.

The dump lists rows per table in dependency order; dates and times are ISO strings. Tables the
schema has but SQLModel does not describe (slack_sdk's installation store) are dumped too.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from bot.app import App, build_app
from bot.services.privacy import forget, personal_data
from bot.settings import Settings
from storage.backup import NotEmpty, dump_tables, restore_tables
from storage.db import head_revision, require_current
from storage.repositories import UnitOfWork
from storage.tables import Person

FORMAT = "pilot-coach-dump"
VERSION = 1


class BackupError(RuntimeError):
    pass


def _ensure_current(settings: Settings) -> None:
    require_current(settings.database_url)


async def dump(settings: Settings) -> str:
    _ensure_current(settings)
    app = build_app(settings, adapters={})
    try:
        data = await dump_tables(app.engine)
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
    try:
        return await restore_tables(app.engine, tables_data)
    except NotEmpty as exc:
        raise BackupError(f"the database is not empty (table {exc.table})") from None
    finally:
        await app.close()


@asynccontextmanager
async def _people(
    settings: Settings, external_id: str
) -> AsyncIterator[tuple[App, UnitOfWork, Sequence[Person]]]:
    """Everyone with this platform id, in one unit of work; BackupError if there is nobody."""
    _ensure_current(settings)
    app = build_app(settings, adapters={})
    try:
        async with app.uow() as uow:
            found = await uow.people.people_by_external_id(external_id)
            if not found:
                raise BackupError(f"no person with id {external_id}")
            yield app, uow, found
    finally:
        await app.close()


async def export_person(settings: Settings, external_id: str) -> str:
    async with _people(settings, external_id) as (_app, uow, found):
        data = [await personal_data(uow, p) for p in found]
    return json.dumps({"people": data}, ensure_ascii=False, indent=2) + "\n"


async def forget_person(settings: Settings, external_id: str) -> list[str]:
    async with _people(settings, external_id) as (app, uow, found):
        for person in found:
            await forget(uow, person, app.clock.now())
        await uow.commit()
        return [person.display_name for person in found]
