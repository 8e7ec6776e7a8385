"""The decision forms in Teams (#16): ``process add`` alone (or the nudge's button) sends the
workflow card, the capacity check asks about each system the candidates name. The inputs carry
Teams' own checks (isRequired, min/max, errorMessage); what the bot refuses comes back as the
card again with the reason above the field and the typed values kept; nothing is stored then."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from adapters.teams.cards import form_card
from bot import forms
from bot.catalog import texts
from storage.tables import CapacityCheck, Process
from tests.teams.activities import TeamsClient
from tests.teams.card_schema import card_errors
from tests.teams.conftest import StartServer, TeamsServer
from tests.teams.fake_connector import Call, FakeConnector


@pytest.mark.parametrize("language", ["en", "de"])
def test_form_cards_validate_with_client_side_checks(language: str) -> None:
    t = texts(language)
    workflow = form_card(forms.workflow_form(t)).to_json()
    capacity = form_card(forms.capacity_form(t, ["ticket system", "Excel"])).to_json()
    refused = form_card(forms.workflow_form(t), errors={"minutes": "no"},
                        typed={"name": "X", "minutes": "0", "pain": "time"}).to_json()  # fmt: skip
    for card in (workflow, capacity, refused):
        assert card_errors(card) == [], card
    inputs = {e["id"]: e for e in workflow["body"] if e["type"].startswith("Input.")}
    assert inputs["name"]["isRequired"] and inputs["name"]["errorMessage"]
    assert inputs["rules"] == {**inputs["rules"], "type": "Input.Number", "min": 0, "max": 100,
                               "isRequired": True}  # fmt: skip
    assert inputs["pain"]["isMultiSelect"] and inputs["data"]["style"] == "compact"
    assert [c["value"] for c in inputs["data"]["choices"]] == ["yes", "partly", "no"]
    ids = [e["id"] for e in capacity["body"] if e["type"].startswith("Input.")]
    assert ids == ["builder", "tool", "access0", "access1", "hours", "budget"]
    assert capacity["actions"][0]["data"] == {"action": "form", "form": "capacity",
                                              "systems": ["ticket system", "Excel"]}  # fmt: skip


class Run:
    def __init__(self, server: TeamsServer, teams: TeamsClient, connector: FakeConnector) -> None:
        self.server, self.teams, self.connector = server, teams, connector

    async def say(self, sender: str, text: str) -> list[Call]:
        mark = len(self.connector.calls)
        status, _ = await self.server.post(self.teams.channel_message(sender, text))
        assert status == 200
        return self.connector.since(mark)

    async def submit(self, sender: str, data: dict[str, Any]) -> list[Call]:
        mark = len(self.connector.calls)
        status, _ = await self.server.post(self.teams.channel_submit(sender, data))
        assert status == 200
        return self.connector.since(mark)

    async def rows(self, table: Any) -> list[Any]:
        async with self.server.app.uow() as uow:
            return list((await uow.session.exec(select(table))).all())


def inputs_of(call: Call) -> dict[str, dict[str, Any]]:
    content = call.body["attachments"][0]["content"]
    return {e["id"]: e for e in content["body"] if e["type"].startswith("Input.")}


def texts_of(call: Call) -> list[str]:
    content = call.body["attachments"][0]["content"]
    return [e["text"] for e in content["body"] if e["type"] == "TextBlock"]


async def test_workflow_card_refuses_inline_then_stores(
    db_url: str, start_server: StartServer, connector: FakeConnector, teams: TeamsClient
) -> None:
    run = Run(await start_server(db_url), teams, connector)
    await run.say("clara", "start 2027-01-04")
    await run.say("clara", "assign champion @clara")
    await run.say("clara", "assign modeler @olaf")
    [card] = await run.say("olaf", "process add")
    assert "Map a workflow" in card.fallback
    assert list(inputs_of(card))[:3] == ["name", "inputs", "outputs"]
    submit = card.body["attachments"][0]["content"]["actions"][0]["data"]
    typed = {"name": "Repair request triage", "systems": "ticket system, e-mail",
             "volume": "60", "minutes": "0", "rules": "80", "data": "maybe"}  # fmt: skip
    [again] = await run.submit("olaf", {**submit, **typed})
    shown = texts_of(again)
    assert '"0" is not a number of minutes per case (more than 0).' in shown
    assert "Please fill this in." in shown  # data: not one of the choices
    assert inputs_of(again)["name"]["value"] == "Repair request triage"  # what was typed stays
    assert await run.rows(Process) == []
    [done] = await run.submit("olaf", {**submit, **typed, "minutes": "12", "data": "yes",
                                       "pain": "customers,time"})  # fmt: skip
    assert done.fallback.startswith('Workflow 1 recorded: "Repair request triage"')
    assert "12 h/week × 80 % rule-based × data yes → 9.6" in done.fallback
    [p] = await run.rows(Process)
    assert (p.volume, p.minutes, p.rule_share, p.data_ready, p.pain) == (
        60,
        12,
        80,
        "yes",
        "customers,time",
    )


async def test_capacity_card_in_german_asks_per_system_and_recommends(
    db_url: str, start_server: StartServer, connector: FakeConnector, teams: TeamsClient
) -> None:
    run = Run(await start_server(db_url), teams, connector)
    await run.say("clara", "start 2027-01-04")
    await run.say("clara", "assign champion @clara")
    await run.say("clara", "assign integrator @ines")
    await run.say("clara", "einstellungen lang=de")
    await run.say("clara", 'prozess neu Reparaturanfragen sortieren systeme="Ticketsystem, '
                           'E-Mail" fälle=60 minuten=12 regeln=80 daten=ja')  # fmt: skip
    [card] = await run.submit("ines", {"action": "capacity_form"})  # the week-4 nudge's button
    assert "Kapazitäts-Check" in card.fallback
    questions = [i["label"] for i in inputs_of(card).values()]
    assert "Wie ist „Ticketsystem“ erreichbar?" in questions
    submit = card.body["attachments"][0]["content"]["actions"][0]["data"]
    [again] = await run.submit("ines", {**submit, "builder": "nocode", "hours": "viele"})
    assert "„viele“ ist keine Stundenzahl pro Woche (0–168)." in texts_of(again)
    assert "Bitte beantworten." in texts_of(again)  # budget
    assert await run.rows(CapacityCheck) == []
    [done] = await run.submit("ines", {**submit, "builder": "none", "budget": "yes",
                                       "access0": "api", "access1": "export"})  # fmt: skip
    assert done.fallback.startswith(
        "Kapazitäts-Check gespeichert. Empfehlung: ein externer Partner — Im Haus kann es "
        "niemand bauen, und es gibt Budget für externe Hilfe."
    )
    [row] = await run.rows(CapacityCheck)
    assert row.access == {"Ticketsystem": "api", "E-Mail": "export"} and row.path == "partner"
