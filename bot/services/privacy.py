"""Data protection (DSGVO/GDPR): forget a person, show a person their data, and let closed
pilots' free text expire. Numbers stay, so a pilot's results still render. The queries live
in ``storage.repositories.privacy``; this is what the commands and jobs call."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.ports import AbstractUnitOfWork
from storage.repositories.privacy import anonymous_name
from storage.tables import Person

__all__ = [
    "anonymous_name",
    "championed_pilots",
    "expire_free_text",
    "forget",
    "forget_in_pilots",
    "personal_data",
]


async def forget(uow: AbstractUnitOfWork, person: Person, now: datetime) -> None:
    """Remove a person's names and free text everywhere; keep the numbers (anonymised)."""
    await uow.privacy.forget(person, now)


async def championed_pilots(uow: AbstractUnitOfWork, person_id: int) -> list[int]:
    """The pilots (any cycle) in which this person is the champion now."""
    return await uow.privacy.championed_pilots(person_id)


async def forget_in_pilots(
    uow: AbstractUnitOfWork, person: Person, pilot_ids: list[int], now: datetime
) -> str | None:
    """Forget a person in these pilots only (a champion's ``forget @person``); returns the
    anonymous stand-in's name, or None when the person has nothing in these pilots."""
    return await uow.privacy.forget_in_pilots(person, pilot_ids, now)


async def personal_data(uow: AbstractUnitOfWork, person: Person) -> dict[str, Any]:
    """Everything stored about one person (Art. 15 DSGVO), as JSON-ready data."""
    return await uow.privacy.personal_data(person)


async def expire_free_text(uow: AbstractUnitOfWork, now: datetime, days: int) -> int:
    """Blank the free text of pilots closed more than ``days`` ago; returns pilots touched."""
    return await uow.privacy.expire_free_text(now, days)
