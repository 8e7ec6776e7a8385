"""Settings from the environment (and a .env file), per CONTRACT.md's configuration table."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from playbook.calendar import parse_nudge_slot, parse_region, parse_zone


def is_loopback(host: str) -> bool:
    """``localhost``, 127.0.0.0/8 or ::1 (brackets allowed): reachable from this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class SettingsError(RuntimeError):
    """A missing or malformed setting; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    database_url: str = "sqlite:///./pilot-coach.db"
    host: str = "127.0.0.1"
    port: int = Field(default=3978, ge=1, le=65535)
    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_client_id: str = ""
    slack_client_secret: str = ""
    slack_state_secret: str = ""
    slack_api_url: str = "https://slack.com/api/"
    microsoft_app_id: str = ""
    microsoft_app_password: str = ""
    microsoft_app_tenant_id: str = ""
    microsoft_app_type: str = ""
    # Out of office from Teams presence (Graph, application permission Presence.Read.All):
    # client credentials of an app registration; empty client id = not configured.
    microsoft_graph_client_id: str = ""
    microsoft_graph_client_secret: str = ""
    microsoft_graph_tenant_id: str = ""  # empty: the tenant of the person's Teams activity
    microsoft_graph_url: str = "https://graph.microsoft.com/v1.0"
    microsoft_graph_login_url: str = "https://login.microsoftonline.com"
    pilot_default_language: Literal["de", "en"] = "de"
    pilot_default_timezone: str = "Europe/Berlin"
    pilot_nudge_time: str = "MON 09:00"
    pilot_default_region: str = "DE"
    pilot_teams_emulator: bool = False  # Teams without auth: loopback HOST and serviceUrls only
    pilot_allow_unauthenticated_teams: bool = False  # retired: warns, opens nothing
    pilot_secret_key: str = ""  # Fernet key: encrypts platform tokens at rest
    pilot_retention_days: int = Field(default=0, ge=0)  # 0: keep closed pilots' free text
    # Commands one process works on at once; beyond it the acknowledgement answers "busy".
    pilot_max_inflight: int = Field(default=32, ge=1, le=10_000)
    pilot_tick_seconds: float = Field(default=30.0, ge=0.05, le=3600)  # the scheduler's period
    # Where serve runs the scheduler: its own child process, inline, or not at all (bot.worker).
    pilot_scheduler: Literal["process", "inline", "off"] = "process"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["console", "json"] = "console"

    @field_validator("pilot_default_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        if parse_zone(value) is None:
            raise ValueError("not an IANA time zone (e.g. Europe/Berlin)")
        return value

    @field_validator("pilot_nudge_time")
    @classmethod
    def _slot(cls, value: str) -> str:
        if parse_nudge_slot(value) is None:
            raise ValueError("expected a weekday and a time, e.g. MON 09:00")
        return value

    @field_validator("pilot_default_region")
    @classmethod
    def _region(cls, value: str) -> str:
        region = parse_region(value)
        if region is None:
            raise ValueError("expected an ISO country with optional subdivision, e.g. DE-BY")
        return region

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


def load_settings(**overrides: object) -> Settings:
    """Read settings; raise SettingsError naming the first bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "settings"
        raise SettingsError(f"{name}: {error['msg']}") from None
