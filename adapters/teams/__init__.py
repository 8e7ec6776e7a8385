"""Microsoft Teams edge (botbuilder). ``build_teams_adapter`` returns the Teams adapter.

Only this package imports botbuilder, and within it only ``botframework.py`` (see
``gateway.py`` for the seam that keeps the archived SDK replaceable).
"""

from __future__ import annotations

from bot.clock import Clock
from bot.ports import ChatAdapter
from bot.services.coach import Coach
from bot.settings import Settings
from storage.repositories import UnitOfWorkFactory


def build_teams_adapter(
    settings: Settings, coach: Coach, uow: UnitOfWorkFactory, clock: Clock
) -> ChatAdapter | None:
    """The Teams adapter; always offered (an empty MICROSOFT_APP_ID runs without auth)."""
    from adapters.teams.adapter import TeamsAdapter

    return TeamsAdapter(settings, coach, uow, clock)
