"""Multi-workspace installs: the OAuth settings, the installations kept in our database
(slack_sdk's SQLAlchemy store on our engine; tables created by the Alembic migration ``0003``;
tokens encrypted with PILOT_SECRET_KEY), and the logger every Slack component gets, which never
lets a token through.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any, TypeVar

from cryptography.fernet import Fernet
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.logs import SLACK_SDK_LOGGER
from bot.settings import Settings, SettingsError

T = TypeVar("T", Bot, Installation)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_SECONDS = 600
#: Bot scopes; adapters/slack/manifest.yml lists the same (a test keeps them equal).
BOT_SCOPES = (
    "app_mentions:read",
    "canvases:read",  # canvases.sections.lookup: the pilot canvas is edited section by section
    "canvases:write",  # the pilot canvas and the results canvas
    "channels:join",
    "chat:write",
    "commands",
    "dnd:read",  # out of office: a person's Do Not Disturb
    "files:write",
    "im:history",
    "im:read",
    "im:write",
    "users.profile:read",  # out of office: a person's Slack status (vacation, sick, OOO)
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
REDACTED_LOGGERS = (SLACK_SDK_LOGGER, "aiosqlite", "sqlalchemy.engine.Engine")


def sdk_logger() -> logging.Logger:
    """The logger handed to bolt, the Web API clients, the stores and Socket Mode."""
    for name in REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
    sdk = logging.getLogger(REDACTED_LOGGERS[0])
    # slack_sdk tests ``logger.level <= DEBUG`` (the level set on the logger itself, not the
    # effective one) before it formats every request and response body into a debug string:
    # a logger left at NOTSET (0) pays for that on every call. ``logs.configure`` sets it.
    if sdk.level == logging.NOTSET:
        sdk.setLevel(logging.INFO)
    return sdk


TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
ENCRYPTED = "fernet:"


class EncryptedInstallationStore(AsyncSQLAlchemyInstallationStore):
    """slack_sdk's SQLAlchemy store with every token encrypted at rest (Fernet, with the key
    from PILOT_SECRET_KEY): a database dump or backup holds no usable token."""

    def __init__(self, fernet: Fernet, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fernet = fernet

    def _sealed(self, item: T) -> T:
        item = copy.copy(item)
        for name in TOKEN_FIELDS:
            value = getattr(item, name, None)
            if isinstance(value, str) and value and not value.startswith(ENCRYPTED):
                token = self.fernet.encrypt(value.encode("utf-8")).decode("ascii")
                setattr(item, name, ENCRYPTED + token)
        return item

    def _opened(self, item: T) -> T:
        for name in TOKEN_FIELDS:
            value = getattr(item, name, None)
            if isinstance(value, str) and value.startswith(ENCRYPTED):
                token = self.fernet.decrypt(value[len(ENCRYPTED) :].encode("ascii"))
                setattr(item, name, token.decode("utf-8"))
        return item

    async def async_save(self, installation: Installation) -> None:
        await super().async_save(self._sealed(installation))

    async def async_save_bot(self, bot: Bot) -> None:
        await super().async_save_bot(self._sealed(bot))

    async def async_find_bot(self, **kwargs: Any) -> Bot | None:
        found = await super().async_find_bot(**kwargs)
        return self._opened(found) if found is not None else None

    async def async_find_installation(self, **kwargs: Any) -> Installation | None:
        found = await super().async_find_installation(**kwargs)
        return self._opened(found) if found is not None else None


def fernet_of(settings: Settings) -> Fernet:
    """The key that encrypts tokens at rest; OAuth mode cannot run without it."""
    if not settings.pilot_secret_key:
        raise SettingsError(
            "PILOT_SECRET_KEY: needed to encrypt Slack tokens at rest in OAuth mode (create one "
            'with: python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())")'
        )
    try:
        return Fernet(settings.pilot_secret_key.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise SettingsError(
            "PILOT_SECRET_KEY: not a Fernet key (32 url-safe base64 bytes)"
        ) from None


def installation_store(
    settings: Settings, engine: AsyncEngine, logger: logging.Logger
) -> AsyncSQLAlchemyInstallationStore:
    return EncryptedInstallationStore(
        fernet_of(settings), client_id=settings.slack_client_id, engine=engine, logger=logger
    )


def state_store(
    settings: Settings, engine: AsyncEngine, logger: logging.Logger
) -> AsyncOAuthStateStore:
    """OAuth states kept in the database: each is consumed on use (single-use) and expires
    after 10 minutes. (A signed, stateless state could be replayed within its lifetime.)"""
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
