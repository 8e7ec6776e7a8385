"""Who may do what (CONTRACT.md, chat commands), in an English and a German pilot on each backend.

Every refusal names the roles that may do it and changes nothing.
"""

from __future__ import annotations

from storage.tables import Person
from tests.conftest import Harness
from tests.integration import coach_support as cs

h = cs.h  # the English- and the German-default harness

DENIED = {
    "en": "Only the {roles} may do that in this pilot.",
    "de": "Das darf in diesem Piloten nur: {roles}.",
}
ROLES = {
    "en": {"c": "Champion", "i": "Integrator", "m": "Process modeler"},
    "de": {"c": "Champion", "i": "Integrator", "m": "Prozessmodellierer"},
}


def denied(h: Harness, *who: str) -> str:
    lang = cs.lang_of(h)
    return DENIED[lang].format(roles=", ".join(ROLES[lang][x] for x in who))


async def refused(h: Harness, user: str, text: str, *who: str) -> None:
    """``text`` by ``user`` is refused naming the roles ``who`` and changes nothing."""
    await h.say(user, "help")  # the caller is known before the snapshot
    tables = (*cs.DOMAIN_TABLES, Person)
    before = await cs.state(h, tables)
    assert await h.say(user, text) == denied(h, *who), f"{user}: {text}"
    assert await cs.state(h, tables) == before, f"{user}: {text} changed something"


async def test_anyone_assigns_until_a_champion_exists_then_only_the_champion(h: Harness) -> None:
    await h.say("zed", "start 2027-01-04")
    # no champion yet: anyone may name roles, even someone without a role
    assert "@ines" in await h.say("zed", "assign integrator @ines")
    assert "@clara" in await h.say("ines", "assign champion @clara")
    assert await cs.roles(h) == {"integrator": "ines", "champion": "clara"}

    await refused(h, "zed", "assign modeler @zed", "c")
    await refused(h, "ines", "assign modeler @olaf", "c")
    await refused(h, "ines", "assign champion @ines", "c")
    assert "@olaf" in await h.say("clara", "assign modeler @olaf")
    await refused(h, "olaf", "assign integrator @olaf", "c")

    # the champion hands the role over: from then on only the new champion decides
    assert "@olaf" in await h.say("clara", "assign champion @olaf")
    await refused(h, "clara", "assign integrator @clara", "c")
    assert "@clara" in await h.say("olaf", "assign integrator @clara")
    assert await cs.roles(h) == {"champion": "olaf", "integrator": "clara", "modeler": "olaf"}


async def test_process_add_only_modeler_or_champion(h: Harness) -> None:
    await cs.team(h)
    await refused(h, "ines", "process add Triage", "c", "m")
    await refused(h, "zed", "prozess neu Triage", "c", "m")
    assert await cs.processes(h) == []
    await h.say("olaf", "process add Triage")
    await h.say("clara", "process add Invoices")
    assert [p.name for p in await cs.processes(h)] == ["Triage", "Invoices"]


async def test_process_pick_only_champion_or_modeler(h: Harness) -> None:
    await cs.team(h)
    await h.say("olaf", "process add Triage")
    await h.say("olaf", "process add Invoices")
    await refused(h, "ines", "process pick 1", "c", "m")
    await refused(h, "zed", "prozess wählen 1", "c", "m")
    assert (await cs.the_pilot(h)).chosen_process_id is None
    # the champion passes the permission check (and then meets the workflow rules) ...
    no_such = {"en": "There is no workflow 9", "de": "Einen Ablauf 9 gibt es nicht"}
    assert (await h.say("clara", "process pick 9")).startswith(no_such[cs.lang_of(h)])
    # ... and the modeler may pick
    await h.say("olaf", "process pick 2")
    stored = await cs.processes(h)
    assert (await cs.the_pilot(h)).chosen_process_id == stored[1].id


async def test_champion_may_pick_a_workflow(h: Harness) -> None:
    await cs.team(h)
    await h.say("olaf", "process add Triage")
    await h.say("clara", "process pick 1")
    stored = await cs.processes(h)
    assert (await cs.the_pilot(h)).chosen_process_id == stored[0].id


async def test_metric_add_only_modeler_or_champion(h: Harness) -> None:
    await cs.team(h)
    await refused(h, "ines", "metric add uptime percent baseline=90 higher", "c", "m")
    await refused(h, "zed", "kennzahl neu Laufzeit Prozent basis=90 höher", "c", "m")
    assert await cs.metrics(h) == []
    await h.say("olaf", "metric add errors count baseline=5")
    await h.say("clara", "metric add nps points baseline=30 higher")
    assert [m.name for m in await cs.metrics(h)] == ["errors", "nps"]


async def test_checkin_only_role_owners(h: Harness) -> None:
    await cs.team(h)
    await h.say("olaf", "metric add errors count baseline=5")
    await refused(h, "zed", "checkin errors 3", "c", "i", "m")
    await refused(h, "zed", "meldung errors 3", "c", "i", "m")
    assert await cs.checkins(h) == []
    for user in ("clara", "ines", "olaf"):
        await h.say(user, "checkin errors 4")
    ids = [await cs.person_id(h, u) for u in ("clara", "ines", "olaf")]
    assert [c.person_id for c in await cs.checkins(h)] == ids


async def test_settings_only_the_champion(h: Harness) -> None:
    await cs.team(h)
    for user in ("olaf", "ines", "zed"):
        await refused(h, user, "settings tz=Asia/Tokyo lang=en", "c")
        await refused(h, user, "einstellungen tag=fr", "c")
    p = await cs.the_pilot(h)
    assert (p.timezone, p.nudge_weekday) == ("Europe/Berlin", 0)
    await h.say("clara", "settings day=fri")
    assert (await cs.the_pilot(h)).nudge_weekday == 4


async def test_token_next_cycle_and_forget_only_the_champion(h: Harness) -> None:
    await cs.team(h)
    for user in ("olaf", "ines", "zed"):
        await refused(h, user, "forget @ines", "c")
        await refused(h, user, "vergessen @clara", "c")
        await refused(h, user, "metric token", "c")
        await refused(h, user, "kennzahl token", "c")
        await refused(h, user, "next cycle", "c")
        await refused(h, user, "nächster zyklus", "c")
    p = await cs.the_pilot(h)
    assert (p.status, p.cycle) == ("open", 1)
    assert await cs.roles(h) == {"champion": "clara", "integrator": "ines", "modeler": "olaf"}


async def test_a_replaced_owner_loses_the_rights_of_the_role(h: Harness) -> None:
    await cs.team(h)
    await h.say("clara", "assign modeler @mo")
    await h.say("mo", "metric add errors count baseline=5")
    await refused(h, "olaf", "process add Triage", "c", "m")
    await refused(h, "olaf", "metric add nps points baseline=30 higher", "c", "m")
    await refused(h, "olaf", "checkin errors 3", "c", "i", "m")
    assert [m.name for m in await cs.metrics(h)] == ["errors"]


async def test_anyone_may_read(h: Harness) -> None:
    await cs.team(h)
    status = {"en": "*Pilot status", "de": "*Pilot-Stand"}[cs.lang_of(h)]
    results = {"en": "*Results", "de": "*Ergebnisse"}[cs.lang_of(h)]
    before = await cs.state(h)
    assert (await h.say("zed", "status")).startswith(status)
    assert (await h.say("zed", "results")).startswith(results)
    assert await cs.state(h) == before
