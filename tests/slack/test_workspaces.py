"""Multi-workspace mode: two workspaces install the app through the OAuth flow (installations
kept in our database), each is served with its own token, and a user of workspace B can never
read or change a pilot of workspace A, not even in a channel both share. Tokens never reach
the logs."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlmodel import select

from adapters.slack.installations import fernet_of
from bot import backup
from bot.catalog import texts
from storage.tables import Checkin, Pilot, RoleAssignment, TaskState
from tests.slack.conftest import running, slack_settings
from tests.slack.fake_slack import FakeSlack
from tests.slack.world import SlackWorld, fixture

CLIENT_ID = "1111.2222"
TOKEN_A = "xoxb-aaaa-1111-secretA"
TOKEN_B = "xoxb-bbbb-2222-secretB"
SHARED = "CSHARED01"
CLARA, OLAF, INES, BOB = "UCLARA01", "UOLAF002", "UINES003", "UBOBB005"


def grant(token: str, team: str, bot_user: str) -> dict[str, Any]:
    answer = fixture("oauth_v2_access")
    answer.update(access_token=token, bot_user_id=bot_user, team={"id": team, "name": team})
    return answer


@pytest.fixture
async def oauth_world(sqlite_url: str) -> AsyncIterator[SlackWorld]:
    fake = FakeSlack()
    fake.add_bot(TOKEN_A, "TAAAA", "alpha", "UBOTA")
    fake.add_bot(TOKEN_B, "TBBBB", "beta", "UBOTB")
    for user, name in ((CLARA, "Clara"), (OLAF, "Olaf"), (INES, "Ines"), (BOB, "Bob")):
        fake.add_user(user, name)
    fake.grants = {"code-a": grant(TOKEN_A, "TAAAA", "UBOTA"),
                   "code-b": grant(TOKEN_B, "TBBBB", "UBOTB")}  # fmt: skip
    await fake.start()
    settings = slack_settings(
        sqlite_url, fake.api_url, slack_bot_token="", slack_client_id=CLIENT_ID,
        slack_client_secret="client-secret-xyz", slack_state_secret="state-secret-xyz",
    )  # fmt: skip
    try:
        async with running(settings, fake) as world:
            world.team = "TAAAA"
            world.channel = SHARED
            yield world
    finally:
        await fake.stop()


async def install(world: SlackWorld, code: str) -> str:
    """Click "Add to Slack" and come back from Slack with ``code``; returns the final page."""
    async with world.session.get(f"{world.url}/slack/install") as page:
        assert page.status == 200
        html = await page.text()
        cookie = page.headers["Set-Cookie"].split(";")[0]
    state = re.search(r"state=([^&\"']+)", html)
    assert state is not None, html
    url = f"{world.url}/slack/oauth_redirect?code={code}&state={state.group(1)}"
    async with world.session.get(url, headers={"Cookie": cookie}) as done:
        assert done.status == 200
        return await done.text()


async def test_two_workspaces_install_and_never_see_each_others_pilot(
    oauth_world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    w, fake = oauth_world, oauth_world.fake
    await install(w, "code-a")
    await install(w, "code-b")
    access = fake.of("oauth.v2.access")
    assert [c.args["code"] for c in access] == ["code-a", "code-b"]
    assert {c.token for c in access} == {f"basic:{CLIENT_ID}"}

    # workspace A runs a pilot in a channel shared with workspace B
    await w.command(CLARA, "start 2027-01-04")
    await w.pick(CLARA, "champion", CLARA)
    await w.pick(CLARA, "modeler", OLAF)
    await w.command(OLAF, "metric add time days baseline=8 target=6 lower")
    answers_a = fake.of("response_url")
    assert "Pilot started" in answers_a[0].args["text"]
    fake.reset()

    # workspace B's user, in the same channel id, reads and tries to change things
    b = {"team": "TBBBB"}
    await w.command(BOB, "status", **b)
    await w.command(BOB, f"assign champion <@{BOB}|bob>", **b)
    await w.command(BOB, "checkin time 1 days", **b)
    await w.pick(BOB, "champion", BOB, **b)
    await w.click(BOB, "pc_done", "confirm-champion", channel=SHARED, **b)
    await w.mention(BOB, "results", team="TBBBB", bot="UBOTB")
    await w.home(BOB, team="TBBBB")
    answers = [c.args["text"] for c in fake.of("response_url")]
    assert len(answers) == 5
    assert all(a.startswith("There is no open pilot here") for a in answers), answers
    refusal = fake.delivered("chat.postEphemeral")[-1]
    assert refusal.token == TOKEN_B and refusal.args["text"].startswith("There is no open pilot")
    home = fake.delivered("views.publish")[-1]
    assert home.token == TOKEN_B
    assert "You own no role" in str(home.args["view"]["blocks"])
    assert {c.token for c in fake.calls if c.token} == {TOKEN_B}

    # workspace A's pilot is untouched
    async with w.app.uow() as uow:
        session = uow.session
        assert len((await session.exec(select(Pilot))).all()) == 1
        assert len((await session.exec(select(RoleAssignment))).all()) == 2
        assert (await session.exec(select(Checkin))).all() == []
        assert (await session.exec(select(TaskState))).all() == []

    # proactive messages to A's people go out with A's token only
    fake.reset()
    await w.app.scheduler.tick()
    assert fake.delivered("chat.postMessage")
    assert {c.token for c in fake.calls} == {TOKEN_A}

    for secret in (TOKEN_A, TOKEN_B, "client-secret-xyz"):
        assert secret not in caplog.text

    # the tokens are encrypted at rest: no dump of the database holds them
    dump = await backup.dump(w.app.settings)
    assert "xoxb-" not in dump and "fernet:" in dump


async def test_oauth_state_is_single_use(oauth_world: SlackWorld) -> None:
    w = oauth_world
    async with w.session.get(f"{w.url}/slack/install") as page:
        html = await page.text()
        cookie = page.headers["Set-Cookie"].split(";")[0]
    state = re.search(r"state=([^&\"']+)", html)
    assert state is not None
    url = f"{w.url}/slack/oauth_redirect?code=code-a&state={state.group(1)}"
    async with w.session.get(url, headers={"Cookie": cookie}) as first:
        assert first.status == 200
    async with w.session.get(url, headers={"Cookie": cookie}) as replay:
        assert replay.status != 200  # the state was consumed
    assert len(w.fake.of("oauth.v2.access")) == 1


def test_oauth_mode_needs_a_secret_key(sqlite_url: str) -> None:
    from bot.settings import SettingsError

    with pytest.raises(SettingsError, match="PILOT_SECRET_KEY"):
        fernet_of(slack_settings(sqlite_url, "http://127.0.0.1:9/api/", pilot_secret_key=""))
    with pytest.raises(SettingsError, match="not a Fernet key"):
        fernet_of(slack_settings(sqlite_url, "http://127.0.0.1:9/api/", pilot_secret_key="x"))


async def test_a_workspace_without_installation_is_not_served(oauth_world: SlackWorld) -> None:
    answer = await oauth_world.command(CLARA, "start", team="TNOTINST")
    assert answer.status == 200  # the user is told to (re)install the app, nothing else
    [told] = oauth_world.fake.of("response_url")
    assert told.args["text"] == texts("en")("slack.reinstall")  # ours, not bolt's English
    async with oauth_world.app.uow() as uow:
        assert (await uow.session.exec(select(Pilot))).all() == []
