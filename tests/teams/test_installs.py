"""Installing the app: the welcome card (channel or personal, in the default language), the
stored references that make later nudges possible, and credential checks at start-up."""

from __future__ import annotations

import pytest

from adapters.teams.adapter import TeamsAdapter, check_credentials
from bot.settings import Settings, SettingsError
from tests.teams.activities import CHANNEL, PEOPLE, TeamsClient
from tests.teams.card_schema import card_errors
from tests.teams.conftest import StartServer
from tests.teams.fake_connector import FakeConnector


async def test_personal_install_welcomes_and_its_chat_is_used_for_nudges(
    sqlite_url: str, start_server: StartServer, connector: FakeConnector, teams: TeamsClient
) -> None:
    server = await start_server(sqlite_url)
    install = teams.personal_message("clara", "", "a:clara-personal")
    install.update(type="conversationUpdate", membersAdded=[{"id": install["recipient"]["id"]}])
    del install["text"]
    assert (await server.post(install))[0] == 200
    (welcome,) = connector.to("a:clara-personal")
    assert card_errors(welcome.card) == []
    assert [a["data"]["action"] for a in welcome.card["actions"]] == ["help"]
    for text in ("start", "assign champion @clara"):
        await server.post(teams.channel_message("clara", text))
    await server.app.scheduler.tick()
    assert connector.created() == []  # the personal chat from the install is reused
    assert "Week 1/12" in connector.to("a:clara-personal")[-1].fallback


async def test_welcome_in_the_default_language(
    sqlite_url: str, start_server: StartServer, connector: FakeConnector, teams: TeamsClient
) -> None:
    server = await start_server(sqlite_url, pilot_default_language="de")
    await server.post(teams.bot_added())
    (welcome,) = connector.to(CHANNEL)
    assert welcome.fallback.startswith("Hallo, ich bin Pilot Coach")
    assert welcome.button("start") == {"action": "start"}


async def test_people_added_to_the_team_are_remembered(
    sqlite_url: str, start_server: StartServer, connector: FakeConnector, teams: TeamsClient
) -> None:
    server = await start_server(sqlite_url)
    added = teams.bot_added()
    added["membersAdded"] = [{"id": PEOPLE["ines"]["id"], "aadObjectId": "x"}]
    await server.post(added)
    assert connector.calls == []  # only the bot's own arrival is welcomed
    adapter = server.app.adapters["teams"]
    assert isinstance(adapter, TeamsAdapter)
    route = await adapter.refs.user(teams.tenant, PEOPLE["ines"]["id"])
    assert route is not None and not route.personal  # enough to open her 1:1 chat later
    assert route.reference["serviceUrl"] == connector.url
    assert await adapter.refs.channel(teams.tenant, CHANNEL) is not None


@pytest.mark.parametrize(
    ("settings", "variable"),
    [
        ({"microsoft_app_type": "Tenant"}, "MICROSOFT_APP_TYPE"),
        ({"microsoft_app_id": "x"}, "MICROSOFT_APP_PASSWORD"),
        ({"microsoft_app_id": "x", "microsoft_app_password": "p",
          "microsoft_app_type": "SingleTenant"}, "MICROSOFT_APP_TENANT_ID"),
    ],
)  # fmt: skip
def test_unusable_credentials_stop_the_start_naming_the_variable(
    settings: dict[str, str], variable: str
) -> None:
    with pytest.raises(SettingsError, match=f"^{variable}: "):
        check_credentials(Settings(**settings))  # type: ignore[arg-type]


def test_usable_credentials_pass() -> None:
    check_credentials(Settings(microsoft_app_id=""))
    check_credentials(Settings(microsoft_app_id="x", microsoft_app_password="p"))
    single = {"microsoft_app_type": "SingleTenant", "microsoft_app_tenant_id": "t"}
    check_credentials(Settings(microsoft_app_id="x", microsoft_app_password="p", **single))
