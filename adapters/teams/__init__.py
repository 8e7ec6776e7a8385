"""Microsoft Teams edge (botbuilder). ``build_teams_adapter`` returns the Teams adapter."""

from __future__ import annotations

from bot.clock import Clock
from bot.ports import ChatAdapter
from bot.services.coach import Coach
from bot.settings import Settings
from storage.repositories import UnitOfWorkFactory


def build_teams_adapter(
    settings: Settings, coach: Coach, uow: UnitOfWorkFactory, clock: Clock
) -> ChatAdapter | None:
    """The Teams adapter for these settings (None until the adapter exists)."""
    return None
