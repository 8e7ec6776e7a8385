"""Teams Activity JSON -> Inbound and card submits -> commands, against recorded payloads."""

from __future__ import annotations

import copy

from adapters.teams.inbound import (
    NO_TENANT,
    channel_key,
    event_id,
    reference_of,
    submit_commands,
    submit_of,
    tenant_of,
    to_inbound,
)
from bot.messages import PersonRef
from tests.teams.activities import CHANNEL, PEOPLE, TENANT, load


def test_channel_mention_becomes_a_command_with_a_person_token() -> None:
    activity = load("channel_message_mention.json")
    inbound = to_inbound(activity)
    assert inbound.platform == "teams"
    assert inbound.workspace == TENANT
    assert inbound.channel == CHANNEL  # the thread suffix ;messageid=… is dropped
    assert not inbound.direct
    assert inbound.user == PersonRef(PEOPLE["clara"]["id"], "Clara Becker")
    assert inbound.text == "assign champion @mention1"  # the bot's own mention is gone
    assert inbound.mentions == {"@mention1": PersonRef(PEOPLE["clara"]["id"], "Clara Becker")}


def test_same_person_twice_is_one_token_and_html_is_unescaped() -> None:
    activity = load("channel_message_mention.json")
    activity["text"] = (
        "<at>Pilot Coach</at>&nbsp;process add &quot;Intake&quot; <at>Clara Becker</at> "
        "<at>Clara Becker</at>"
    )
    clara = activity["entities"][1]
    activity["entities"].insert(2, copy.deepcopy(clara))
    inbound = to_inbound(activity)
    assert inbound.text == 'process add "Intake" @mention1 @mention1'
    assert list(inbound.mentions) == ["@mention1"]


def test_a_bot_mention_without_an_entity_is_still_removed() -> None:
    activity = load("channel_message_mention.json")
    activity["text"] = "<at>Pilot Coach</at> status"
    activity["entities"] = []
    assert to_inbound(activity).text == "status"


def test_personal_chat_is_direct() -> None:
    inbound = to_inbound(load("personal_message.json"))
    assert inbound.direct
    assert inbound.text == "tasks"
    assert inbound.user.name == "Olaf Schmidt"


def test_tenant_falls_back_to_the_conversation_then_to_a_constant() -> None:
    activity = load("personal_message.json")
    del activity["channelData"]["tenant"]
    assert tenant_of(activity) == TENANT
    del activity["conversation"]["tenantId"]
    assert tenant_of(activity) == NO_TENANT


def test_event_ids_are_unique_per_conversation() -> None:
    first = load("channel_message_mention.json")
    other = copy.deepcopy(first)
    other["conversation"]["id"] = "19:another@thread.tacv2;messageid=1799051462457"
    assert event_id(first) != event_id(other)
    assert event_id(first) == event_id(copy.deepcopy(first))
    assert str(event_id(first)).endswith(":1799051462457")


def test_reference_starts_a_new_post_in_the_channel() -> None:
    activity = load("channel_message_mention.json")
    reference = reference_of(activity)
    assert reference["conversation"]["id"] == CHANNEL == channel_key(activity)
    assert reference["conversation"]["tenantId"] == TENANT
    assert reference["serviceUrl"] == "https://smba.trafficmanager.net/emea/"
    assert reference["bot"]["name"] == "Pilot Coach"
    assert "activityId" not in reference


def test_submit_and_execute_become_commands() -> None:
    done = submit_of(load("card_submit_done.json"))
    assert done is not None and submit_commands(done, "en") == ["done list-candidates"]
    execute = submit_of(load("invoke_adaptive_card_action.json"))
    assert execute is not None and execute.is_checkin_form
    assert submit_commands(execute, "de") == ["checkin repair time 7 new intake form live"]


def test_checkin_values_follow_the_pilot_locale() -> None:
    activity = load("card_submit_done.json")
    activity["value"] = {"action": "checkin", "metrics": ["repair time", "errors"],
                         "value0": "6.5", "value1": "", "note": " fewer  call-backs "}  # fmt: skip
    submit = submit_of(activity)
    assert submit is not None
    assert submit_commands(submit, "de") == ["checkin repair time 6,5 fewer call-backs"]
    assert submit_commands(submit, "en") == ["checkin repair time 6.5 fewer call-backs"]
    activity["value"] = {"action": "checkin", "metrics": ["repair time"], "value0": ""}
    empty = submit_of(activity)
    assert empty is not None and submit_commands(empty, "en") == ["checkin repair time"]


def test_buttons_without_a_command_of_their_own() -> None:
    activity = load("card_submit_done.json")
    activity["value"] = {"action": "checkin"}  # the nudge's button: show the form
    nudge = submit_of(activity)
    assert nudge is not None and submit_commands(nudge, "en") == []
    activity["value"] = {"action": "something-new"}
    unknown = submit_of(activity)
    assert unknown is not None and submit_commands(unknown, "en") == ["help"]
    activity["value"] = {"comment": "no action"}
    assert submit_of(activity) is None
