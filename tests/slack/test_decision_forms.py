"""The decision modals (#16): ``/pilot process add`` (or the nudge's button) opens the workflow
form, ``/pilot capacity`` the capacity check with one question per system the candidates name.
Fields the grammar refuses come back inline (``response_action: errors``) and store nothing; a
valid form runs as its chat command and is confirmed in the person's DM."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from storage.tables import CapacityCheck, Process
from tests.slack.world import SlackWorld

CLARA, OLAF, INES, MARC = "UCLARA01", "UOLAF002", "UINES003", "UMARC004"


async def ready(world: SlackWorld) -> None:
    await world.command(CLARA, "start 2027-01-04")
    await world.pick(CLARA, "champion", CLARA)
    await world.pick(CLARA, "modeler", OLAF)
    await world.pick(CLARA, "integrator", INES)
    world.fake.reset()


def state_of(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A view_submission ``state`` as Slack builds it from the view's elements."""
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input" or block["block_id"] not in values:
            continue
        element, value = block["element"], values[block["block_id"]]
        kind = element["type"]
        if kind == "static_select":
            option = next(o for o in element["options"] if o["value"] == value)
            entry = {"type": kind, "selected_option": option}
        elif kind == "checkboxes":
            chosen = [o for o in element["options"] if o["value"] in value]
            entry = {"type": kind, "selected_options": chosen}
        else:
            entry = {"type": kind, "value": value}
        state[block["block_id"]] = {"value": entry}
    return {"values": state}


async def submit(world: SlackWorld, user: str, view: dict[str, Any], values: dict[str, Any]) -> Any:
    payload = world.interaction("view_submission", user)
    payload["view"].update(
        blocks=view["blocks"], private_metadata=view["private_metadata"],
        callback_id=view["callback_id"], state=state_of(view, values),
    )  # fmt: skip
    return await world.interact(payload)


async def opened(world: SlackWorld, user: str, text: str) -> dict[str, Any]:
    answer = await world.command(user, text)
    assert answer.status == 200 and not answer.text
    return dict(world.fake.of("views.open")[-1].args["view"])


async def stored(world: SlackWorld, table: Any) -> list[Any]:
    async with world.app.uow() as uow:
        return list((await uow.session.exec(select(table))).all())


TRIAGE = {"name": "Repair request triage", "inputs": "e-mail, phone, web form",
          "outputs": "ticket with technician", "steps": "read\nclassify\nassign",
          "systems": "ticket system, e-mail", "volume": "60", "minutes": "12", "rules": "80",
          "data": "yes", "pain": ["customers", "time"]}  # fmt: skip


async def test_process_add_without_a_name_opens_the_workflow_modal(world: SlackWorld) -> None:
    await ready(world)
    view = await opened(world, OLAF, "process add")
    assert view["type"] == "modal" and view["callback_id"] == "pc_form"
    assert view["title"]["text"] == "Map a workflow"
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert list(inputs) == ["name", "inputs", "outputs", "steps", "systems", "volume", "minutes",
                            "rules", "data", "pain"]  # fmt: skip
    assert inputs["name"]["label"]["text"] == "Name" and not inputs["name"]["optional"]
    assert inputs["steps"]["element"]["multiline"] is True and inputs["steps"]["optional"]
    assert inputs["rules"]["element"] == {"type": "number_input", "action_id": "value",
                                          "is_decimal_allowed": True, "min_value": "0",
                                          "max_value": "100"}  # fmt: skip
    assert [o["value"] for o in inputs["data"]["element"]["options"]] == ["yes", "partly", "no"]
    assert inputs["pain"]["element"]["type"] == "checkboxes"
    assert "think automation, not transformation" in view["blocks"][0]["text"]["text"].lower()


async def test_bad_fields_come_back_inline_and_store_nothing(world: SlackWorld) -> None:
    await ready(world)
    view = await opened(world, OLAF, "process add")
    answer = await submit(world, OLAF, view, {**TRIAGE, "name": "", "minutes": "0",
                                               "rules": "150"})  # fmt: skip
    assert answer.status == 200
    assert answer.json() == {"response_action": "errors", "errors": {
        "name": "Please fill this in.",
        "minutes": '"0" is not a number of minutes per case (more than 0).',
        "rules": '"150" is not a rule-based share: write 0 to 100, e.g. rules=80.',
    }}  # fmt: skip
    assert await stored(world, Process) == []
    assert world.fake.of("chat.postMessage") == []


async def test_a_valid_workflow_is_stored_scored_and_confirmed_by_dm(world: SlackWorld) -> None:
    await ready(world)
    view = await opened(world, OLAF, "process add")
    answer = await submit(world, OLAF, view, TRIAGE)
    assert answer.status == 200 and answer.text == ""
    [p] = await stored(world, Process)
    assert (p.name, p.inputs, p.systems, p.steps) == (
        "Repair request triage", "e-mail, phone, web form", "ticket system, e-mail",
        "read classify assign")  # fmt: skip
    assert (p.volume, p.minutes, p.hours_per_week, p.rule_share, p.data_ready, p.pain) == (
        60,
        12,
        12,
        80,
        "yes",
        "time,customers",
    )
    [dm] = world.fake.delivered("chat.postMessage")
    assert dm.args["channel"] == "DOLAF002"
    assert dm.args["text"] == (
        'Workflow 1 recorded: "Repair request triage" (1 of at most 3).\n'
        "Repair request triage: 12 h/week × 80 % rule-based × data yes → 9.6"
    )


async def test_a_refusal_of_the_coach_shows_inline_on_the_first_field(world: SlackWorld) -> None:
    await ready(world)
    view = await opened(world, OLAF, "process add")
    answer = await submit(world, MARC, view, TRIAGE)  # Marc owns no role
    assert answer.json() == {"response_action": "errors", "errors": {
        "name": "Only the Champion, Process modeler may do that in this pilot."}}  # fmt: skip
    assert await stored(world, Process) == []


async def test_the_capacity_modal_asks_about_each_system_and_recommends(
    world: SlackWorld,
) -> None:
    await ready(world)
    await world.command(OLAF, 'process add Triage systems="ticket system, e-mail" cases=60 '
                              "minutes=12 rules=80 data=yes")  # fmt: skip
    await world.command(OLAF, "process add Invoices systems=Excel cases=20 minutes=15 rules=90 "
                              "data=yes")  # fmt: skip
    world.fake.reset()
    await world.click(INES, "pc_capacity_form")  # the week-4 nudge's button
    view = dict(world.fake.of("views.open")[-1].args["view"])
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == ["Who would build it?", "Which no-code tool?",
                      "How can “ticket system” be reached?", "How can “e-mail” be reached?",
                      "How can “Excel” be reached?",
                      "Hours per week for the build in weeks 5–8",
                      "Is there budget for outside help?"]  # fmt: skip
    missing = await submit(world, INES, view, {"builder": "nocode"})
    assert missing.json() == {"response_action": "errors", "errors": {
        "hours": "Please answer this.", "budget": "Please answer this."}}  # fmt: skip
    assert await stored(world, CapacityCheck) == []
    answer = await submit(world, INES, view, {"builder": "nocode", "tool": "make",
                                               "access0": "api", "access1": "api",
                                               "access2": "none", "hours": "6",
                                               "budget": "no"})  # fmt: skip
    assert answer.status == 200 and answer.text == ""
    [check] = await stored(world, CapacityCheck)
    assert (check.path, check.reason, check.tool) == ("nocode", "nocode", "make")
    assert check.access == {"ticket system": "api", "e-mail": "api", "Excel": "none"}
    [dm] = world.fake.delivered("chat.postMessage")
    assert dm.args["text"].startswith(
        "Capacity check saved. Recommendation: no-code with Make — Make reaches ticket system, "
        "e-mail through an API"
    )
    assert (
        "[2] Invoices: 5 h/week × 90 % rule-based × data yes × 0.5 (no access to Excel) → 2.3"
        in (dm.args["text"])
    )
