"""Slack edge (slack-bolt). ``build_slack_adapter`` returns None while Slack is not configured.

Modes, chosen by the settings:
- single workspace: ``SLACK_BOT_TOKEN`` + ``SLACK_SIGNING_SECRET``;
- multi-workspace: ``SLACK_CLIENT_ID`` + ``SLACK_CLIENT_SECRET`` (+ ``SLACK_SIGNING_SECRET``),
  installs via ``/slack/install`` kept in the database;
- either of them over Socket Mode when ``SLACK_APP_TOKEN`` is set.
"""

from __future__ import annotations

from slack_bolt.app.async_app import AsyncApp

from adapters.slack.adapter import EVENTS_PATH, SlackAdapter
from adapters.slack.delivery import (
    DmChannels,
    InstalledTokens,
    ResponseUrls,
    SingleToken,
    Tokens,
    aim,
    make_client,
)
from adapters.slack.installations import installation_store, oauth_settings, sdk_logger
from adapters.slack.listeners import Listeners, Tracker
from adapters.slack.people import Directory
from bot.catalog import texts
from bot.clock import Clock
from bot.ports import ChatAdapter
from bot.services.coach import Coach
from bot.settings import Settings, SettingsError
from storage.repositories import UnitOfWorkFactory


def _check(settings: Settings) -> None:
    oauth = bool(settings.slack_client_id)
    if oauth and not settings.slack_client_secret:
        raise SettingsError("SLACK_CLIENT_SECRET: required with SLACK_CLIENT_ID")
    if not settings.slack_signing_secret and (oauth or not settings.slack_app_token):
        raise SettingsError("SLACK_SIGNING_SECRET: required to verify Slack's requests")


class StoredDms:
    """Where ``DmChannels`` keeps the DM channels it opened: with the people."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self.uow = uow

    async def save(self, found: list[tuple[str, str, str]]) -> None:
        async with self.uow() as unit:
            await unit.people.remember_dm_channels(found)
            await unit.commit()


def build_slack_adapter(
    settings: Settings, coach: Coach, uow: UnitOfWorkFactory, clock: Clock
) -> ChatAdapter | None:
    """The Slack adapter for these settings, or None when no Slack credentials are set."""
    if not (settings.slack_bot_token or settings.slack_client_id):
        return None
    _check(settings)
    logger = sdk_logger()
    # bolt's own ":warning: We apologize …" (installation gone) in the pilots' language
    reinstall = texts(settings.pilot_default_language)("slack.reinstall")
    tokens: Tokens
    if settings.slack_client_id:
        store = installation_store(settings, uow.engine, logger)
        bolt = AsyncApp(
            logger=logger,
            signing_secret=settings.slack_signing_secret,
            client=make_client(settings.slack_api_url, logger=logger),
            oauth_settings=oauth_settings(settings, store, uow.engine, logger),
            user_facing_authorize_error_message=reinstall,
        )
        tokens = InstalledTokens(store)
    else:
        bolt = AsyncApp(
            logger=logger,
            signing_secret=settings.slack_signing_secret or None,
            request_verification_enabled=bool(settings.slack_signing_secret),
            token=settings.slack_bot_token,
            user_facing_authorize_error_message=reinstall,
        )
        aim(bolt.client, settings.slack_api_url)
        tokens = SingleToken(settings.slack_bot_token)
    tracker, dms, answers = Tracker(), DmChannels(store=StoredDms(uow)), ResponseUrls()
    Listeners(coach, Directory(), tracker, dms, answers).register(bolt)
    return SlackAdapter(
        bolt,
        coach=coach,
        tokens=tokens,
        api_url=settings.slack_api_url,
        tracker=tracker,
        dms=dms,
        answers=answers,
        logger=logger,
        app_token=settings.slack_app_token,
        http_enabled=bool(settings.slack_signing_secret),
        signing_secret=settings.slack_signing_secret,  # set in both modes: verified per request
        default_language=settings.pilot_default_language,
    )


__all__ = ["EVENTS_PATH", "SlackAdapter", "build_slack_adapter"]
