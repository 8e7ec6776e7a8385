"""``pilot-coach doctor``: one line per check (settings, database, schema, Slack, Teams) with
what to fix. Tokens are never printed."""

from __future__ import annotations

import asyncio
import os
import re
from dataclasses import dataclass

import httpx
from cryptography.fernet import Fernet

from bot.settings import Settings
from storage.db import canvas_refusals, current_revision, head_revision, make_engine, ping, sync_url

_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok, fail, warn, skip
    detail: str

    def line(self) -> str:
        return f"{self.status.upper():<5} {self.name:<9} {self.detail}"


def _redacted(url: str) -> str:
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


async def check_database(settings: Settings) -> list[Check]:
    where = _redacted(settings.database_url)
    url = sync_url(settings.database_url)
    database = url.database or ""
    missing = database and not await asyncio.to_thread(os.path.exists, database)
    if url.get_backend_name() == "sqlite" and missing:
        return [Check("database", "fail", f"{where}: the file does not exist yet: run "
                                          "pilot-coach db upgrade")]  # fmt: skip
    engine = make_engine(settings.database_url)
    try:
        await asyncio.wait_for(ping(engine), timeout=10)
    except Exception as exc:  # any driver error means: not reachable
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:160]
        return [Check("database", "fail", f"{where} is not reachable ({reason}): check "
                                          "DATABASE_URL and that the server runs")]  # fmt: skip
    finally:
        await engine.dispose()
    checks = [Check("database", "ok", f"{where} answers")]
    current = await asyncio.to_thread(current_revision, settings.database_url)
    head = head_revision()
    if current == head:
        checks.append(Check("schema", "ok", f"at {head}"))
    else:
        checks.append(Check("schema", "fail", f"at {current or 'nothing'}, needs {head}: run "
                                              "pilot-coach db upgrade"))  # fmt: skip
    return checks


async def check_slack(settings: Settings, client: httpx.AsyncClient) -> list[Check]:
    oauth = bool(settings.slack_client_id)
    if not settings.slack_bot_token and not oauth:
        return [Check("slack", "skip", "not configured (SLACK_BOT_TOKEN or SLACK_CLIENT_ID)")]
    checks = []
    if not settings.slack_signing_secret:
        checks.append(Check("slack", "fail", "SLACK_SIGNING_SECRET is empty: copy it from the "
                                             "app's Basic Information page"))  # fmt: skip
    if oauth and not (settings.slack_client_secret and settings.slack_state_secret):
        checks.append(Check("slack", "fail", "OAuth needs SLACK_CLIENT_SECRET and "
                                             "SLACK_STATE_SECRET too"))  # fmt: skip
    if oauth:
        try:
            Fernet(settings.pilot_secret_key.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            reason = "PILOT_SECRET_KEY must be a Fernet key: installed workspaces' tokens are "
            checks.append(Check("slack", "fail", reason + "encrypted with it"))
    if settings.slack_bot_token:
        url = settings.slack_api_url.rstrip("/") + "/auth.test"
        try:
            response = await client.post(
                url, headers={"Authorization": f"Bearer {settings.slack_bot_token}"}
            )
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            checks.append(Check("slack", "fail", f"cannot reach {settings.slack_api_url} "
                                                 f"({type(exc).__name__}): check SLACK_API_URL "
                                                 "and the network"))  # fmt: skip
            return checks
        if body.get("ok"):
            checks.append(Check("slack", "ok", f"token valid for team {body.get('team')} as "
                                               f"{body.get('user')}"))  # fmt: skip
            checks.append(slack_status_check(response.headers.get("x-oauth-scopes")))
            checks.append(check_canvases(response.headers.get("x-oauth-scopes")))
        else:
            checks.append(Check("slack", "fail", f"auth.test said {body.get('error')}: check "
                                                 "SLACK_BOT_TOKEN (xoxb-…)"))  # fmt: skip
    elif oauth:
        checks.append(Check("slack", "ok", "multi-workspace OAuth configured"))
    return checks


STATUS_SCOPES = ("users.profile:read", "dnd:read")


def slack_status_check(header: str | None) -> Check:
    """Whether the bot token may read people's status (out of office from Slack)."""
    if header is None:
        return Check("status", "warn", "Slack did not list the token's scopes: cannot tell "
                                       "whether the status can be read")  # fmt: skip
    granted = {s.strip() for s in header.split(",")}
    missing = [s for s in STATUS_SCOPES if s not in granted]
    if STATUS_SCOPES[0] in granted:
        more = f" ({', '.join(missing)} missing)" if missing else ""
        return Check("status", "ok", "status reading available: out of office also from the "
                                     f"Slack status{more}")  # fmt: skip
    return Check("status", "warn", f"status reading unavailable (missing {', '.join(missing)}): "
                                   "out of office by the away command only; add the scopes and "
                                   "reinstall the app")  # fmt: skip


def check_canvases(scopes_header: str | None) -> Check:
    """Whether the installed token may keep pilot canvases (Slack tells a token's scopes in
    the ``x-oauth-scopes`` header of every Web API answer)."""
    if scopes_header is None:
        return Check("canvases", "warn", "Slack did not say the token's scopes: whether pilot "
                                         "canvases work shows on the first start")  # fmt: skip
    scopes = {s.strip() for s in scopes_header.split(",") if s.strip()}
    if "canvases:write" not in scopes:
        return Check("canvases", "warn", "unavailable: the token lacks canvases:write, so "
                                         "pilots get no canvas (add the scopes of the app "
                                         "manifest and reinstall the app)")  # fmt: skip
    return Check("canvases", "ok", "available to this token (canvases:write); a workspace "
                                   "whose plan has no canvases is noted on the first try and "
                                   "the bot carries on without")  # fmt: skip


async def check_canvas_support(settings: Settings) -> list[Check]:
    """The workspaces where Slack refused canvases (a free plan, canvases turned off, the scope
    missing), as the bot noted them: only the first try can tell, scopes cannot."""
    engine = make_engine(settings.database_url)
    try:
        rows = await canvas_refusals(engine)
    except Exception:  # the schema is older, or the database is away: said by its own check
        return []
    finally:
        await engine.dispose()
    return [
        Check(
            "canvases",
            "warn",
            f"workspace {team}: Slack refused canvases ({reason}, "
            f"{str(since)[:10]}); its pilots run without a canvas, the bot "
            "tries again a day later",
        )
        for team, reason, since in rows
    ]


def check_teams(settings: Settings) -> list[Check]:
    app_id = settings.microsoft_app_id
    if not app_id and settings.pilot_teams_emulator:
        return [Check("teams", "warn", "emulator mode (PILOT_TEAMS_EMULATOR=1): /api/messages "
                                       "without authentication, loopback only")]  # fmt: skip
    if not app_id:
        return [Check("teams", "ok", "not configured (MICROSOFT_APP_ID is empty): no Teams "
                                     "endpoint")]  # fmt: skip
    problems = []
    if not _GUID.match(app_id):
        problems.append("MICROSOFT_APP_ID is not a GUID")
    app_type = settings.microsoft_app_type or "MultiTenant"
    if app_type not in APP_TYPES:
        problems.append(f"MICROSOFT_APP_TYPE must be one of {', '.join(APP_TYPES)}")
    if app_type != "UserAssignedMSI" and not settings.microsoft_app_password:
        problems.append("MICROSOFT_APP_PASSWORD is empty")
    if app_type == "SingleTenant" and not settings.microsoft_app_tenant_id:
        problems.append("SingleTenant needs MICROSOFT_APP_TENANT_ID")
    if problems:
        return [Check("teams", "fail", "; ".join(problems))]
    return [Check("teams", "ok", f"credentials complete ({app_type}); the token is verified "
                                 "by Microsoft on the first message")]  # fmt: skip


async def check_teams_presence(settings: Settings, client: httpx.AsyncClient) -> list[Check]:
    """Whether Teams presence (out of office) can be read: a Graph token by client
    credentials. Presence.Read.All itself shows on the first lookup (logged, never fatal)."""
    if not settings.microsoft_app_id and not settings.pilot_teams_emulator:
        return []
    if not settings.microsoft_graph_client_id:
        why = "not configured (MICROSOFT_GRAPH_CLIENT_ID is empty): out of office by command only"
        return [Check("presence", "ok", why)]
    if not settings.microsoft_graph_client_secret:
        return [Check("presence", "fail", "MICROSOFT_GRAPH_CLIENT_SECRET is empty")]
    tenant = settings.microsoft_graph_tenant_id
    if not tenant:
        why = "MICROSOFT_GRAPH_TENANT_ID is empty: a token per person's tenant, not checked here"
        return [Check("presence", "warn", why)]
    url = f"{settings.microsoft_graph_login_url.rstrip('/')}/{tenant}/oauth2/v2.0/token"
    form = {"grant_type": "client_credentials", "client_id": settings.microsoft_graph_client_id,
            "client_secret": settings.microsoft_graph_client_secret,
            "scope": "https://graph.microsoft.com/.default"}  # fmt: skip
    try:
        response = await client.post(url, data=form)
        ok = response.status_code == 200 and "access_token" in response.json()
    except (httpx.HTTPError, ValueError) as exc:
        return [Check("presence", "fail", f"cannot reach {settings.microsoft_graph_login_url} "
                                          f"({type(exc).__name__})")]  # fmt: skip
    if not ok:
        why = f"no Graph token (HTTP {response.status_code}): check MICROSOFT_GRAPH_CLIENT_ID, "
        return [Check("presence", "fail", why + "_SECRET and _TENANT_ID")]
    return [Check("presence", "ok", "status reading available: out of office also from Teams "
                                    "presence (needs Presence.Read.All)")]  # fmt: skip


async def run_checks(settings: Settings) -> list[Check]:
    checks = [Check("settings", "ok", "environment and .env read")]
    checks += await check_database(settings)
    if all(c.status == "ok" for c in checks):
        checks += await check_canvas_support(settings)
    async with httpx.AsyncClient(timeout=10) as client:
        checks += await check_slack(settings, client)
        checks += check_teams(settings)
        checks += await check_teams_presence(settings, client)
    return checks
