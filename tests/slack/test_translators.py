"""The pure edges: Slack payloads -> Inbound, Reply -> Block Kit within Slack's limits, Slack
errors -> DeliveryError, and which settings build which adapter."""

from __future__ import annotations

import json

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse

from adapters.slack import build_slack_adapter
from adapters.slack import inbound as slack_in
from adapters.slack.delivery import delivery_error
from adapters.slack.installations import redact
from adapters.slack.outbound import fallback_text, message, to_blocks
from adapters.slack.surfaces import CheckinContext, with_snooze
from bot.app import build_app
from bot.messages import (
    Actions,
    BulletList,
    Button,
    Fields,
    Heading,
    Paragraph,
    PersonRef,
    Reply,
    channel_mention,
    mention,
)
from bot.settings import Settings, SettingsError
from tests.slack.world import fixture


def test_mentions_become_single_tokens_with_names_when_slack_gave_them() -> None:
    text, mentions = slack_in.mentions_in("assign champion <@U123ABC|olaf> and <@W999>")
    assert text == "assign champion <@U123ABC> and <@W999>"
    assert mentions == {"<@U123ABC>": PersonRef("U123ABC", "olaf"), "<@W999>": PersonRef("W999")}
    assert slack_in.mentions_in("see <#C42ABC|ki-pilot>")[0] == "see #ki-pilot"


def test_the_bots_own_mention_is_removed() -> None:
    assert slack_in.without_bot("<@UBOT> status <@UBOT|pc>", "UBOT") == "status"
    assert slack_in.without_bot("<@UBOT> assign modeler <@U1>", None) == "assign modeler <@U1>"


def test_a_slash_command_becomes_an_inbound() -> None:
    form = fixture("slash_command") | {"text": "assign modeler <@U0OLAF|olaf>"}
    inbound = slack_in.from_command(form)
    assert (inbound.platform, inbound.workspace, inbound.channel) == ("slack", "T0001",
                                                                      "C2147483705")  # fmt: skip
    assert inbound.channel_name == "ki-pilot" and not inbound.direct
    assert inbound.user.id == "U2147483697"
    assert inbound.mentions == {"<@U0OLAF>": PersonRef("U0OLAF", "olaf")}
    assert inbound.event_id == "command:13345224609.738474920.8088930838d88f008e0"


def test_events_become_inbounds_and_bot_messages_are_ignored() -> None:
    mention = slack_in.from_message(fixture("app_mention"), "U0LAN0Z89")
    assert mention is not None and mention.text == "status" and not mention.direct
    assert mention.event_id == "message:C2147483705:1515449522.000016"
    dm = slack_in.from_message(fixture("message_im"), "U0LAN0Z89")
    assert dm is not None and dm.direct and dm.channel == "D024BE91L"
    for change in ({"bot_id": "B1"}, {"subtype": "message_changed"}, {"user": "U0LAN0Z89"}):
        body = fixture("message_im")
        body["event"].update(change)
        assert slack_in.from_message(body, "U0LAN0Z89") is None


def test_actions_stand_for_chat_commands() -> None:
    button = fixture("block_actions_button")
    inbound = slack_in.from_action(button, button["actions"][0])
    assert inbound is not None and inbound.text == "done w1-champion-1" and inbound.direct
    select = fixture("block_actions_users_select")
    inbound = slack_in.from_action(select, select["actions"][0])
    assert inbound is not None and inbound.text == "assign champion <@U2147483697>"
    assert inbound.mentions == {"<@U2147483697>": PersonRef("U2147483697")}
    assert slack_in.action_text({"action_id": "pc_snooze"}) == "snooze"
    assert slack_in.action_text({"action_id": "pc_unknown"}) is None


def test_big_replies_stay_inside_block_kit_limits() -> None:
    reply = Reply(
        text="x" * 50_000,
        blocks=(
            Heading("H" * 300),
            Paragraph("word " * 1000),
            Fields(tuple((f"k{i}", "v") for i in range(12))),
            *(Heading(f"part {i}") for i in range(30)),
            *(BulletList(tuple("item " * 100 for _ in range(40))) for _ in range(3)),
            Actions((Button("L" * 100, "done", "t1"), Button("again", "done", "t2"))),
        ),
    )
    blocks = [b.to_dict() for b in to_blocks(reply, more="… more")]
    assert len(blocks) == 50
    assert blocks[0]["type"] == "header" and len(blocks[0]["text"]["text"]) == 150
    assert blocks[-1] == {"type": "context", "elements": [{"type": "mrkdwn", "text": "… more"}]}
    assert all(len((b.get("text") or {}).get("text", "")) <= 3000 for b in blocks)
    assert blocks[1]["text"]["text"].endswith("…")
    assert [len(b["fields"]) for b in blocks if "fields" in b] == [10, 2]
    assert len(fallback_text(reply)) <= 3000


def test_text_is_escaped_and_only_core_tokens_become_mentions() -> None:
    olaf = mention("U0OLAF02", "Olaf", notify=True)
    quiet = mention("U0INES03", "Ines")
    text = f"<!here> R&D: {olaf} in {channel_mention('C0PILOT1')}, {quiet}, mail a@b.de"
    assert fallback_text(Reply(text=text)) == (
        "&lt;!here&gt; R&amp;D: <@U0OLAF02> in <#C0PILOT1>, @Ines, mail a@b.de"
    )
    typed = "Audit @U0BOSS01 <@U0BOSS01> #C0PILOT1 <#C0PILOT1>"
    assert fallback_text(Reply(text=typed)) == (
        "Audit @U0BOSS01 &lt;@U0BOSS01&gt; #C0PILOT1 &lt;#C0PILOT1&gt;"
    )


def test_buttons_get_unique_action_ids_and_nudges_a_snooze_button() -> None:
    buttons = (Button("Done #1", "done", "t1"), Button("Check in", "checkin"))
    nudge = with_snooze(Reply("n", (Actions(buttons),)), "Snooze")
    [actions] = message(nudge)["blocks"]
    assert [(e["action_id"], e["text"]["text"]) for e in actions["elements"]] == [
        ("pc_done", "Done #1"), ("pc_snooze", "Snooze"), ("pc_checkin", "Check in")
    ]  # fmt: skip
    plain = Reply("p", (Actions((Button("a", "checkin"), Button("b", "checkin"))),))
    assert with_snooze(plain, "Snooze") == plain
    [actions] = message(plain)["blocks"]
    assert [e["action_id"] for e in actions["elements"]] == ["pc_checkin", "pc_checkin:1"]


def test_modal_metadata_round_trips_and_fits() -> None:
    context = CheckinContext("C1", False, (("repair time", "days"), ("errors", "%")))
    assert CheckinContext.from_metadata(context.to_metadata()) == context
    many = CheckinContext("C1", False, tuple((f"metric {i}" * 5, "days") for i in range(200)))
    assert len(many.to_metadata()) <= 3000
    assert json.loads(many.to_metadata())["m"][0][0] == "metric 0" * 5


def api_error(status: int, error: str, headers: dict[str, str] | None = None) -> SlackApiError:
    response = SlackResponse(client=None, http_verb="POST", api_url="", req_args={},
                             data={"ok": False, "error": error}, headers=headers or {},
                             status_code=status)  # fmt: skip
    return SlackApiError("failed", response)


@pytest.mark.parametrize(
    ("status", "error", "headers", "retry_after", "permanent"),
    [
        (429, "ratelimited", {"Retry-After": "7"}, 7.0, False),
        (429, "ratelimited", {}, 30.0, False),
        (200, "account_inactive", {}, None, True),
        (200, "token_revoked", {}, None, True),
        (200, "channel_not_found", {}, None, True),
        (200, "user_not_found", {}, None, True),
        (200, "not_in_channel", {}, None, True),
        (200, "internal_error", {}, None, False),
        (500, "", {}, None, False),
    ],
)
def test_slack_errors_map_to_delivery_errors(
    status: int, error: str, headers: dict[str, str], retry_after: float | None, permanent: bool
) -> None:
    mapped = delivery_error(api_error(status, error, headers))
    assert (mapped.retry_after, mapped.permanent) == (retry_after, permanent)


def test_tokens_are_redacted() -> None:
    assert redact("token xoxb-123-456-abc and xapp-1-A0-xyz") == (
        "token xoxb-[redacted] and xapp-[redacted]"
    )


def settings(**values: str) -> Settings:
    base = {"slack_bot_token": "", "slack_signing_secret": "", "slack_app_token": "",
            "slack_client_id": "", "slack_client_secret": "", "slack_state_secret": ""}  # fmt: skip
    return Settings(database_url="sqlite:///:memory:", **(base | values))  # type: ignore[arg-type]


async def test_the_settings_choose_the_mode() -> None:
    app = build_app(settings(), adapters={})
    try:
        assert build_slack_adapter(settings(), app.coach, app.uow, app.clock) is None
        with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET"):
            build_slack_adapter(settings(slack_bot_token="xoxb-1"), app.coach, app.uow, app.clock)
        with pytest.raises(SettingsError, match="SLACK_CLIENT_SECRET"):
            build_slack_adapter(settings(slack_client_id="1.2", slack_signing_secret="s"),
                                app.coach, app.uow, app.clock)  # fmt: skip
        socket = build_slack_adapter(
            settings(slack_bot_token="xoxb-1", slack_app_token="xapp-1"),
            app.coach, app.uow, app.clock,
        )  # fmt: skip
        assert socket is not None and socket.platform == "slack"
    finally:
        await app.close()
