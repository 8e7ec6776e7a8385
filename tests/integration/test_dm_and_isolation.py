"""Direct messages find the sender's single pilot; workspaces never see each other's pilots.

Each test runs in an English and a German pilot on each backend.
"""

from __future__ import annotations

from storage.tables import Pilot, Workspace
from tests.conftest import Harness
from tests.integration import coach_support as cs

h = cs.h  # the English- and the German-default harness

TEXT = {
    "en": {
        "no_pilot": "There is no open pilot here.",
        "tasks_modeler": "As Process modeler:",
        "status": "*Pilot status · #ki-pilot*",
        "recorded": "Recorded for week 1: errors = 3 count.",
        "denied": "Only the Champion may do that in this pilot.",
        "started": "Pilot started!",
        "champion": "@bert is now Champion.",
    },
    "de": {
        "no_pilot": "Hier läuft kein Pilot.",
        "tasks_modeler": "Als Prozessmodellierer:",
        "status": "*Pilot-Stand · #ki-pilot*",
        "recorded": "Erfasst für Woche 1: errors = 3 count.",
        "denied": "Das darf in diesem Piloten nur: Champion.",
        "started": "Pilot gestartet!",
        "champion": "@bert ist jetzt Champion.",
    },
}


def text(h: Harness, key: str) -> str:
    return TEXT[cs.lang_of(h)][key]


async def test_a_dm_from_a_role_owner_finds_their_pilot(h: Harness) -> None:
    await cs.team(h)
    await h.say("olaf", "metric add errors count baseline=5")
    dm = {"direct": True, "channel": "D-olaf"}
    out = await h.say("olaf", "tasks", **dm)
    assert text(h, "tasks_modeler") in out
    assert "[3] " in out and "(list-candidates)" not in out  # no internal ids
    assert (await h.say("olaf", "status", **dm)).startswith(text(h, "status"))
    out = await h.say("olaf", "checkin errors 3", **dm)
    assert out.splitlines()[0] == text(h, "recorded")
    [row] = await cs.checkins(h)  # stored in the channel's pilot
    assert (row.value, row.person_id) == (3.0, await cs.person_id(h, "olaf"))
    assert "[3]" in await h.say("olaf", "done 3", direct=True, channel="D-olaf")
    assert set(await cs.done_tasks(h)) == {"list-candidates"}
    assert await cs.count(h, Pilot) == 1


async def test_a_dm_from_someone_without_a_role_finds_no_pilot(h: Harness) -> None:
    await cs.team(h)
    await h.say("olaf", "metric add errors count baseline=5")
    before = await cs.state(h)
    for message in ("status", "checkin errors 3", "tasks"):
        out = await h.say("zed", message, direct=True, channel="D-zed")
        assert out.startswith(TEXT["en"]["no_pilot"]) or out.startswith(TEXT["de"]["no_pilot"])
    assert await cs.state(h) == before


async def test_a_dm_from_an_owner_of_two_pilots_does_not_guess(h: Harness) -> None:
    await cs.team(h)
    await cs.team(h, channel="second-pilot")
    await h.say("olaf", "metric add errors count baseline=5")
    await h.say("olaf", "metric add errors count baseline=5", channel="second-pilot")
    before = await cs.state(h)
    await h.say("olaf", "checkin errors 3", direct=True, channel="D-olaf")
    assert await cs.state(h) == before  # stored in neither pilot


async def test_the_same_channel_in_two_workspaces_is_two_pilots(h: Harness) -> None:
    a = {"workspace": "A"}
    b = {"workspace": "B"}
    await cs.team(h, **a)
    await h.say("olaf", "metric add errors count baseline=5", **a)
    await h.say("ines", "checkin errors 3", **a)

    # Workspace B sees no pilot in the same channel id ...
    assert (await h.say("clara", "status", **b)).startswith(text(h, "no_pilot"))
    assert (await h.say("olaf", "tasks", **b)).startswith(text(h, "no_pilot"))
    # ... B's people cannot change A's pilot, not even with A's user ids ...
    state_a = await cs.state(h)
    for user, message in (
        ("clara", "assign modeler @mallory"),
        ("clara", "settings lang=en tz=Asia/Tokyo"),
        ("olaf", "process add Stolen"),
        ("ines", "checkin errors 1"),
        ("clara", "done 1"),
    ):
        assert (await h.say(user, message, **b)).startswith(text(h, "no_pilot")), message
        assert (await h.say(user, message, direct=True, channel="D", **b)).startswith(
            text(h, "no_pilot")
        ), message
    assert await cs.state(h) == state_a

    # ... and B opens its own pilot in the same channel id.
    assert (await h.say("bert", "start 2027-01-04", **b)).startswith(text(h, "started"))
    assert (await h.say("bert", "assign champion @bert", **b)).startswith(text(h, "champion"))
    assert await cs.count(h, Pilot) == 2
    assert await cs.count(h, Workspace) == 2
    pa, pb = await cs.the_pilot(h, workspace="A"), await cs.the_pilot(h, workspace="B")
    assert pa.id != pb.id
    assert pa.channel_id == pb.channel_id == "ki-pilot"
    assert pa.workspace_id != pb.workspace_id
    assert await cs.roles(h, workspace="B") == {"champion": "bert"}
    assert await cs.roles(h, workspace="A") == {
        "champion": "clara",
        "integrator": "ines",
        "modeler": "olaf",
    }
    # "clara" of workspace B is not A's champion
    assert await h.say("clara", "settings day=fri", **b) == text(h, "denied")
    assert await cs.person_id(h, "clara", "A") != await cs.person_id(h, "clara", "B")
    assert [c.value for c in await cs.checkins(h, workspace="A")] == [3.0]
    assert await cs.checkins(h, workspace="B") == []
    assert (await cs.the_pilot(h, workspace="A")).nudge_weekday == 0
