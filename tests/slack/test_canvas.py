"""The pilot canvas in Slack, through the fake Web API: created on ``start``, edited section by
section as tasks are ticked (at most once a minute per pilot), the results as a canvas of their
own linked in the announcement; without canvases the bot carries on and ``doctor`` says so."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlmodel import select

from adapters.slack.canvases import inline
from bot.doctor import check_canvas_support, check_slack
from playbook.roadmap import load_roadmap
from playbook.roles import Role
from storage.canvases import CanvasSupport, PilotCanvas
from storage.tables import OutboxMessage
from tests.slack.conftest import TOKEN, slack_settings
from tests.slack.fake_slack import FakeSlack
from tests.slack.test_reliability import CLARA, INES, OLAF, team
from tests.slack.world import SlackWorld


def unescaped(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


def by_hand(role: Role) -> int:
    """A week-1 task of ``role`` that only its owner can tick (no evidence ticks it)."""
    return next(t.number for t in load_roadmap("en").tasks_of_week(1, role) if not t.evidence)


async def test_start_creates_the_canvas_and_ticks_edit_it_once_a_minute(
    world_on_each_db: SlackWorld,
) -> None:
    world = world_on_each_db
    await team(world)
    await world.app.scheduler.tick()
    created = world.fake.delivered("conversations.canvases.create")
    assert len(created) == 1 and created[0].args["channel_id"] == world.channel
    canvas = world.fake.canvas.of_channel(world.channel)
    page = canvas.markdown
    assert page.startswith("# Pilot page · \\#ki\\-pilot\n")
    headings = ("## Impact formula and owners", "## This week's tasks", "## Candidate workflows",
                "## Metrics\\: baseline, target, current")  # fmt: skip
    for heading in headings:
        assert heading in page
    assert "| Champion | \\@Clara |" in page  # the owners by name: no mention on every edit
    first, second = by_hand(Role.INTEGRATOR), by_hand(Role.MODELER)
    assert re.search(rf"- \[ \] \\\[{first}\\\] ", page)

    world.fake.reset()
    await world.command(INES, f"done {first}")
    await world.app.scheduler.tick()
    assert world.fake.of("canvases.edit") == []  # within a minute of the last update: waits
    await world.command(OLAF, f"done {second}")
    said = [c.args.get("text") for c in world.fake.of("response_url")][-1:]
    await world.app.scheduler.tick()
    assert world.fake.of("canvases.edit") == []
    async with world.app.uow() as uow:
        rows = (await uow.session.exec(
            select(OutboxMessage).where(OutboxMessage.kind == "canvas",
                                        OutboxMessage.status == "pending")
        )).all()  # fmt: skip
    assert len(rows) == 1  # both ticks coalesced into one waiting update

    world.clock.set(world.clock.now() + timedelta(seconds=61))
    await world.app.scheduler.tick()
    edits = world.fake.delivered("canvases.edit")
    lookups = world.fake.delivered("canvases.sections.lookup")
    assert len(edits) == 1 and len(lookups) == 1  # only the tasks section changed
    assert lookups[0].args["criteria"] == {"section_types": ["h2"],
                                           "contains_text": "This week's tasks"}  # fmt: skip
    change = edits[0].args["changes"][0]
    assert change["operation"] == "replace" and change["section_id"].startswith("temp:C:")
    page = world.fake.canvas.of_channel(world.channel).markdown
    assert re.search(rf"- \[x\] \\\[{first}\\\] ", page)
    assert re.search(rf"- \[x\] \\\[{second}\\\] ", page), (said, page)
    assert page.count("## This week's tasks") == 1
    assert "## Impact formula and owners" in page  # the other sections stay as they were

    world.fake.reset()
    await world.app.scheduler.tick()
    world.clock.set(world.clock.now() + timedelta(minutes=5))
    await world.app.scheduler.tick()
    assert world.fake.of("canvases.edit") == []  # nothing changed: nothing sent


async def test_workflows_and_metrics_reach_the_canvas_inert(world: SlackWorld) -> None:
    await team(world)
    await world.command(OLAF, "process add <!here> ![](@UINES003) [win](https://evil.example)")
    await world.command(OLAF, 'metric add "repair time" days baseline=8 target=6 lower')
    await world.app.scheduler.tick()
    page = world.fake.canvas.of_channel(world.channel).markdown
    assert "\\<\\!here\\>" in page and "\\!\\[\\]\\(\\@UINES003\\)" in page
    assert "](https" not in page and "![](@" not in page
    assert "| Metric | Baseline | Target | Current |" in page
    assert "| repair time | 8 days | 6 days | – |" in page


async def test_announce_makes_a_results_canvas_linked_in_the_announcement(
    world: SlackWorld,
) -> None:
    await team(world)
    await world.command(OLAF, 'metric add "repair time" days baseline=8 target=6 lower')
    for week, value in ((10, "7"), (11, "6"), (12, "5.5")):
        monday = datetime(2027, 1, 4, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
        world.clock.set(monday + timedelta(weeks=week - 1))
        await world.command(OLAF, f"checkin repair time {value}")
    await world.app.scheduler.tick()
    world.fake.reset()
    await world.command(CLARA, "announce")
    await world.app.scheduler.tick()
    created = world.fake.delivered("canvases.create")
    assert len(created) == 1
    (results,) = [c for c in world.fake.canvas.canvases.values() if c.channel is None]
    assert results.access == {world.channel: "read"}
    assert "## Results" in results.markdown
    assert "repair time: 8 → 5.8 days (−28 %)" in unescaped(results.markdown)
    post = next(c for c in world.fake.delivered("chat.postMessage")
                if c.args["channel"] == world.channel)  # fmt: skip
    link = f"https://app.slack.com/docs/{world.team}/{results.id}"
    assert f"Results page: {link}" in post.args["text"]
    assert any(link in str(b) for b in post.args["blocks"])

    world.fake.reset()
    await world.command(OLAF, "checkin repair time 5")
    await world.command(CLARA, "announce")
    await world.app.scheduler.tick()
    assert world.fake.of("canvases.create") == []  # the same results canvas, replaced
    whole = [c for c in world.fake.delivered("canvases.edit")
             if c.args["canvas_id"] == results.id]  # fmt: skip
    assert len(whole) == 1 and "section_id" not in whole[0].args["changes"][0]
    assert "−31 %" in world.fake.canvas.canvases[results.id].markdown


async def test_without_canvases_the_bot_carries_on_and_stops_asking(world: SlackWorld) -> None:
    world.fake.canvas.unavailable = "not_allowed"  # a free workspace
    await team(world)
    await world.app.scheduler.tick()
    assert len(world.fake.of("conversations.canvases.create")) == 1
    async with world.app.uow() as uow:
        support = (await uow.session.exec(select(CanvasSupport))).all()
        failed = (await uow.session.exec(
            select(OutboxMessage).where(OutboxMessage.status == "failed"))).all()  # fmt: skip
        state = (await uow.session.exec(select(PilotCanvas))).all()
    assert [(s.team, s.reason) for s in support] == [(world.team, "not_allowed")]
    assert failed == [] and state[0].canvas_id is None
    world.fake.reset()
    await world.command(INES, f"done {by_hand(Role.INTEGRATOR)}")
    answer = await world.command(INES, "status")
    assert answer.status == 200
    world.clock.set(world.clock.now() + timedelta(minutes=2))
    await world.app.scheduler.tick()
    assert not [c for c in world.fake.calls if "canvas" in c.method]  # not asked again
    replies = world.fake.of("response_url")
    assert replies and all("Risks" not in str(c.args) or "failed" not in str(c.args)
                           for c in replies)  # fmt: skip


async def test_doctor_says_whether_canvases_are_available(
    sqlite_url: str, fake_slack: FakeSlack
) -> None:
    settings = slack_settings(sqlite_url, fake_slack.api_url)
    fake_slack.scopes[TOKEN] = "app_mentions:read,chat:write,commands,im:write,users:read"
    async with httpx.AsyncClient() as client:
        lines = [c.line() for c in await check_slack(settings, client)]
        assert any("canvases" in line and line.startswith("WARN") and "canvases:write" in line
                   for line in lines), lines  # fmt: skip
        fake_slack.scopes[TOKEN] += ",canvases:write,canvases:read"
        lines = [c.line() for c in await check_slack(settings, client)]
        assert any(line.startswith("OK") and "canvases" in line for line in lines), lines


def test_typed_text_stays_text_in_canvas_markdown() -> None:
    typed = "<!channel> ![](@U0ANNA01) [x](https://e.example) | *b* # h - [ ] `c`"
    out = inline(typed)
    assert "![](" not in out and "](" not in out and "<!" not in out
    assert re.sub(r"\\(.)", r"\1", out) == typed  # what it reads is what was typed


async def test_forget_takes_the_name_off_the_canvas(world: SlackWorld) -> None:
    await team(world)
    await world.app.scheduler.tick()
    assert "Olaf" in world.fake.canvas.of_channel(world.channel).markdown
    await world.command(CLARA, f"forget <@{OLAF}>")
    world.clock.set(world.clock.now() + timedelta(minutes=2))
    await world.app.scheduler.tick()
    page = world.fake.canvas.of_channel(world.channel).markdown
    assert "Olaf" not in page and "## This week's tasks" in page
    async with world.app.uow() as uow:
        (state,) = (await uow.session.exec(select(PilotCanvas))).all()
    assert "Olaf" not in str(state.sections)


async def test_the_next_cycle_keeps_the_channel_canvas(world: SlackWorld) -> None:
    await team(world)
    await world.app.scheduler.tick()
    (canvas_id,) = world.fake.canvas.channel_canvas.values()
    world.fake.reset()
    await world.command(CLARA, "next cycle")
    world.clock.set(world.clock.now() + timedelta(minutes=2))
    await world.app.scheduler.tick()
    assert world.fake.of("conversations.canvases.create") == []
    assert world.fake.of("canvases.create") == []
    assert {c.args["canvas_id"] for c in world.fake.delivered("canvases.edit")} == {canvas_id}
    assert "Week 1/12" not in unescaped(world.fake.canvas.canvases[canvas_id].markdown)


async def test_a_public_channel_is_joined_for_its_canvas(world: SlackWorld) -> None:
    world.fake.fail("conversations.canvases.create", "not_in_channel")
    await team(world)
    await world.app.scheduler.tick()
    assert [c.method for c in world.fake.calls if "canvases" in c.method or "join" in c.method] == [
        "conversations.canvases.create", "conversations.join", "conversations.canvases.create"
    ]  # fmt: skip
    assert world.channel in world.fake.canvas.channel_canvas


async def test_doctor_names_the_workspaces_without_canvases(world: SlackWorld) -> None:
    world.fake.canvas.unavailable = "team_tier_cannot_create_channel_canvases"
    await team(world)
    await world.app.scheduler.tick()
    lines = [c.line() for c in await check_canvas_support(world.app.settings)]
    assert len(lines) == 1 and lines[0].startswith("WARN  canvases")
    assert f"workspace {world.team}" in lines[0]
    assert "team_tier_cannot_create_channel_canvases" in lines[0]
