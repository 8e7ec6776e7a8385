"""Slack edge (slack-bolt). ``build_slack_adapter`` returns None while Slack is not configured."""

from __future__ import annotations

from bot.clock import Clock
from bot.ports import ChatAdapter
from bot.services.coach import Coach
from bot.settings import Settings
from storage.repositories import UnitOfWorkFactory


def build_slack_adapter(
    settings: Settings, coach: Coach, uow: UnitOfWorkFactory, clock: Clock
) -> ChatAdapter | None:
    """The Slack adapter for these settings, or None when no Slack credentials are set."""
    return None
