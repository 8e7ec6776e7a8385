"""Multi-workspace installs: the OAuth settings, the installations kept in our database
(slack_sdk's SQLAlchemy store on our engine; tables created by the Alembic migration
``0002``), and the logger every Slack component gets, which never lets a token through.
"""

from __future__ import annotations

import logging
import re

from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.oauth.state_store.stateless import StatelessOAuthStateStore
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import Settings

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_SECONDS = 600
#: Bot scopes; adapters/slack/manifest.yml lists the same (a test keeps them equal).
BOT_SCOPES = (
    "app_mentions:read",
    "channels:join",
    "chat:write",
    "commands",
    "files:write",
    "im:history",
    "im:read",
    "im:write",
    "users:read",
)

_TOKEN = re.compile(r"\b(xox[abposre]|xapp)-[A-Za-z0-9-]+")


def redact(text: str) -> str:
    return _TOKEN.sub(lambda m: f"{m.group(1)}-[redacted]", text)


class RedactTokens(logging.Filter):
    """Replaces Slack tokens in a record's final message (the SDKs log responses at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


#: Loggers that may print a token: ours for the SDKs, and the database drivers' statement logs
#: (an installation row holds the bot token) when someone runs with DEBUG.
REDACTED_LOGGERS = ("pilot_coach.slack.sdk", "aiosqlite", "sqlalchemy.engine.Engine")


def sdk_logger() -> logging.Logger:
    """The logger handed to bolt, the Web API clients, the stores and Socket Mode."""
    for name in REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
    return logging.getLogger(REDACTED_LOGGERS[0])


def installation_store(
    settings: Settings, engine: AsyncEngine, logger: logging.Logger
) -> AsyncSQLAlchemyInstallationStore:
    return AsyncSQLAlchemyInstallationStore(
        client_id=settings.slack_client_id, engine=engine, logger=logger
    )


def state_store(
    settings: Settings, engine: AsyncEngine, logger: logging.Logger
) -> AsyncOAuthStateStore:
    """Signed, self-contained states with SLACK_STATE_SECRET; else one-time states in the DB."""
    if settings.slack_state_secret:
        return StatelessOAuthStateStore(
            expiration_seconds=STATE_SECONDS, signing_secret=settings.slack_state_secret,
            logger=logger,
        )  # fmt: skip
    return AsyncSQLAlchemyOAuthStateStore(
        expiration_seconds=STATE_SECONDS, engine=engine, logger=logger
    )


def oauth_settings(
    settings: Settings, store: AsyncSQLAlchemyInstallationStore, engine: AsyncEngine,
    logger: logging.Logger,
) -> AsyncOAuthSettings:  # fmt: skip
    return AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(BOT_SCOPES),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=store,
        installation_store_bot_only=True,
        state_store=state_store(settings, engine, logger),
        state_expiration_seconds=STATE_SECONDS,
        logger=logger,
    )
