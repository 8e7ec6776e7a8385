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
    """The Teams adapter when Teams is configured (MICROSOFT_APP_ID), or in the explicit emulator
    mode (PILOT_TEAMS_EMULATOR=1); otherwise None, and ``/api/messages`` does not exist."""
    if not settings.microsoft_app_id and not settings.pilot_teams_emulator:
        return None
    from adapters.teams.adapter import TeamsAdapter

    return TeamsAdapter(settings, coach, uow, clock)
