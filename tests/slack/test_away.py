"""Out of office through the fake Slack Web API (SQLite and PostgreSQL): by ``/pilot away
until``, and by the person's Slack status (users.profile.get, read only when a nudge is about
to go and only with the users.profile:read scope). While away: no DM, no escalation naming
them, status says "away until …"; on return exactly one welcome back."""

from __future__ import annotations

from datetime import datetime, timedelta

from adapters.slack.status import StatusReader, presence_of
from tests.conftest import BERLIN
from tests.slack.fake_slack import Call
from tests.slack.world import SlackWorld

CLARA, OLAF, INES = "UCLARA01", "UOLAF002", "UINES003"
WEEK_1 = datetime(2027, 1, 4, 9, 30, tzinfo=BERLIN)
SCOPES = "chat:write,im:write,users:read,users.profile:read,dnd:read"


def week(n: int) -> datetime:
    return WEEK_1 + timedelta(weeks=n - 1)


def dms_to(w: SlackWorld, user: str) -> list[Call]:
    return w.fake.dms(user)


def welcomes(w: SlackWorld, user: str) -> list[Call]:
    return [c for c in dms_to(w, user) if c.args["text"].startswith("*Welcome back")]


async def _team(w: SlackWorld) -> None:
    await w.command(CLARA, "start 2027-01-04")
    await w.pick(CLARA, "champion", CLARA)
    await w.pick(CLARA, "modeler", OLAF)
    await w.pick(CLARA, "integrator", INES)


def _status_text(w: SlackWorld) -> str:
    return str(w.fake.of("response_url")[-1].args["text"])


def _no_escalation_about_olaf(w: SlackWorld) -> None:
    assert not [c for c in dms_to(w, CLARA) if OLAF in str(c.args)]


async def test_away_by_command_in_slack(world_on_each_db: SlackWorld) -> None:
    w = world_on_each_db
    await _team(w)
    await w.advance_to(week(1))
    before = len(dms_to(w, OLAF))
    await w.command(OLAF, "away until 2027-01-29")
    assert "away up to and including Jan 29, 2027" in _status_text(w)
    await w.advance_to(week(4) + timedelta(days=3))
    assert len(dms_to(w, OLAF)) == before
    _no_escalation_about_olaf(w)
    await w.command(CLARA, "status")
    assert "(away until Jan 29, 2027)" in _status_text(w)
    await w.advance_to(week(5) + timedelta(hours=1))
    assert len(welcomes(w, OLAF)) == 1
    assert len(dms_to(w, OLAF)) == before + 1
    assert not w.fake.of("users.profile.get")  # without the scope, no status is read


async def test_away_by_slack_status_with_an_expiry(world_on_each_db: SlackWorld) -> None:
    w, fake = world_on_each_db, world_on_each_db.fake
    fake.scopes = SCOPES
    await _team(w)
    back = datetime(2027, 1, 22, 18, 0, tzinfo=BERLIN)
    fake.set_status(OLAF, ":palm_tree:", "Vacationing", int(back.timestamp()))
    auth_before = len(fake.of("auth.test"))
    await w.advance_to(week(1))
    assert dms_to(w, OLAF) == []  # read just before the nudge: skipped, not sent
    assert dms_to(w, INES)  # the others get theirs
    assert [c.args["user"] for c in fake.of("users.profile.get")].count(OLAF) == 1
    assert len(fake.of("auth.test")) - auth_before == 1  # the nudges at once: one scope lookup
    await w.command(CLARA, "status")
    assert "(away until Jan 22, 2027)" in _status_text(w)
    await w.advance_to(week(3) + timedelta(days=4))
    assert dms_to(w, OLAF) == []
    _no_escalation_about_olaf(w)
    profile_calls = len(fake.of("users.profile.get"))
    await w.advance_to(week(4) + timedelta(hours=1))  # back Friday evening: Monday's welcome
    found = welcomes(w, OLAF)
    assert len(found) == 1 and "Week 4/12" in found[0].args["text"]
    assert len(dms_to(w, OLAF)) == 1  # the welcome stands in for week 4's nudge
    await w.command(CLARA, "status")
    assert "away" not in _status_text(w)
    assert len(fake.of("users.profile.get")) - profile_calls <= 1  # the cache holds
    await w.advance_to(week(5) + timedelta(hours=1))
    assert len(welcomes(w, OLAF)) == 1
    assert dms_to(w, OLAF)[-1].args["text"].startswith("*Week 5/12")


async def test_away_by_slack_status_without_an_end(world_on_each_db: SlackWorld) -> None:
    w, fake = world_on_each_db, world_on_each_db.fake
    fake.scopes = SCOPES
    await _team(w)
    fake.set_status(OLAF, "", "OOO – back soon")
    await w.advance_to(week(2) + timedelta(days=4))
    assert dms_to(w, OLAF) == []
    await w.command(CLARA, "status")
    assert "(away, by their status)" in _status_text(w)
    fake.set_status(OLAF, ":house:", "Working from home")
    w.adapter.statuses = StatusReader()  # ten minutes later, as far as the cache knows
    await w.advance_to(week(3) + timedelta(hours=1))
    assert len(welcomes(w, OLAF)) == 1  # instead of week 3's nudge
    assert len(dms_to(w, OLAF)) == 1
    _no_escalation_about_olaf(w)


async def test_status_reading_falls_back_quietly(world: SlackWorld) -> None:
    w, fake = world, world.fake
    fake.scopes = SCOPES
    await _team(w)
    fake.set_status(OLAF, ":palm_tree:", "Vacationing")
    fake.fail("users.profile.get", "ratelimited", times=5)
    await w.advance_to(week(1))
    assert len(dms_to(w, OLAF)) == 1  # not known: nudged as before


def test_which_statuses_count_as_away() -> None:
    now = datetime(2027, 1, 4, tzinfo=BERLIN).timestamp()
    away = [(":face_with_thermometer:", "Out sick"), ("", "Urlaub bis Freitag"),
            ("", "Krank"), ("", "out of office"), (":airplane:", ""), ("", "Abwesend")]  # fmt: skip
    for emoji, text in away:
        assert presence_of({"status_emoji": emoji, "status_text": text}, now).away, text
    here = [(":house_with_garden:", "Working remotely"), (":spiral_calendar_pad:", "In a meeting"),
            ("", "Bookkeeping")]  # fmt: skip
    for emoji, text in here:
        assert not presence_of({"status_emoji": emoji, "status_text": text}, now).away, text
    expired = {"status_emoji": ":palm_tree:", "status_expiration": int(now) - 60}
    assert not presence_of(expired, now).away
    ends = presence_of({"status_emoji": ":palm_tree:", "status_expiration": int(now) + 60}, now)
    assert ends.away and ends.until is not None


async def test_no_digest_names_someone_whose_status_says_away(world: SlackWorld) -> None:
    w, fake = world, world.fake
    fake.scopes = SCOPES
    await _team(w)
    for n in (1, 2):  # olaf ignores his nudges; ines answers
        await w.advance_to(week(n))
        await w.command(INES, "tasks")
    await w.advance_to(week(2) + timedelta(days=4))  # after the week's reminder
    assert len(dms_to(w, OLAF)) >= 3
    fake.set_status(OLAF, ":palm_tree:", "Urlaub")  # and then goes on holiday
    w.adapter.statuses = StatusReader()  # days later, as far as the cache knows
    await w.advance_to(week(6) + timedelta(hours=1))
    assert not [c for c in dms_to(w, CLARA) if OLAF in str(c.args)]  # never "at risk"
    await w.command(CLARA, "status")
    assert "(away, by their status)" in _status_text(w)


async def test_the_digest_names_the_quiet_owner_who_is_not_away(world: SlackWorld) -> None:
    w = world
    w.fake.scopes = SCOPES
    await _team(w)
    for n in (1, 2):
        await w.advance_to(week(n))
        await w.command(INES, "tasks")
    await w.advance_to(week(3) + timedelta(hours=1))
    digests = [c for c in dms_to(w, CLARA) if OLAF in str(c.args)]
    assert len(digests) == 1 and "at risk" in digests[0].args["text"]
