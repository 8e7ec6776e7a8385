"""Every card the Teams adapter builds validates against the Adaptive Cards 1.5 subset schema
(``card_schema.py``) and carries a text fallback; the check-in card shows refusals inline."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image as PILImage

from adapters.teams.cards import checkin_card, reply_card, welcome_card
from adapters.teams.outbound import card_message, chart_data_url
from bot.catalog import texts
from bot.messages import Actions, BulletList, Button, Fields, Heading, Image, Paragraph, Reply
from tests.teams.card_schema import card_errors

LANGUAGES = ["en", "de"]


def _png(width: int = 900, height: int = 400) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (width, height), (255, 255, 255)).save(out, format="PNG")
    return out.getvalue()


def every_block_reply() -> Reply:
    blocks = (
        Heading("Week 9/12 · Measure and iterate"),
        Paragraph("Weekly check-ins.\nFix what they show."),
        Fields((("Champion", "@Clara Becker"), ("Integrator", "not assigned"))),
        BulletList(("[19] Record this week's values", "[20] Iterate")),
        Actions((Button("Done #19", "done", "weekly-checkins"), Button("Check in", "checkin"))),
        Image("https://example.org/chart.png", "chart"),
        Image("/tmp/local-only.png", "not reachable from Teams"),
    )
    return Reply(text="Week 9/12 · Measure and iterate\n…", blocks=blocks)


@pytest.mark.parametrize("language", LANGUAGES)
def test_reply_cards_validate(language: str) -> None:
    t = texts(language)
    replies = [
        every_block_reply(),
        Reply(text="@Olaf Schmidt is now Process modeler."),  # no blocks: a paragraph card
        Reply(text="Results", blocks=(Heading("Results · #ki-pilot"), Paragraph("8 → 5.6"))),
    ]
    for reply in replies:
        card = reply_card(reply, t, chart_url=chart_data_url(_png())).to_json()
        assert card_errors(card) == [], card
        assert card["fallbackText"] == reply.text


def test_nudge_card_offers_done_snooze_and_check_in() -> None:
    card = reply_card(every_block_reply(), texts("en")).to_json()
    actions = next(e for e in card["body"] if e["type"] == "ActionSet")["actions"]
    assert [a["data"] for a in actions] == [
        {"action": "done", "task": "weekly-checkins"},
        {"action": "checkin"},
        {"action": "snooze"},
    ]
    assert [a["title"] for a in actions] == ["Done #19", "Check in", "Snooze"]
    urls = [e["url"] for e in card["body"] if e["type"] == "Image"]
    assert urls == ["https://example.org/chart.png"]  # local paths never reach Teams


@pytest.mark.parametrize("language", LANGUAGES)
def test_checkin_cards_validate_and_show_the_refusal_inline(language: str) -> None:
    t = texts(language)
    metrics = [("repair time", "days"), ("first-time fix rate", "%")]
    plain = checkin_card(t, metrics).to_json()
    refused = checkin_card(t, metrics, error="-3 is negative", typed={"value0": "-3"}).to_json()
    empty = checkin_card(t, []).to_json()
    for card in (plain, refused, empty):
        assert card_errors(card) == [], card
    inputs = [e for e in plain["body"] if e["type"].startswith("Input.")]
    assert [(i["type"], i["id"]) for i in inputs] == [
        ("Input.Number", "value0"), ("Input.Number", "value1"), ("Input.Text", "note"),
    ]  # fmt: skip
    assert all(i["min"] == 0 and i["errorMessage"] for i in inputs[:2])
    assert plain["actions"][0]["data"] == {"action": "checkin", "metrics": [m for m, _ in metrics]}
    alert = next(e for e in refused["body"] if e["type"] == "Container")
    assert alert["style"] == "attention" and alert["items"][0]["text"] == "-3 is negative"
    assert alert["items"][0]["color"] == "attention"
    assert next(e for e in refused["body"] if e.get("id") == "value0")["value"] == -3
    assert "-3 is negative" in refused["fallbackText"]
    assert t("checkin.no_metrics") in empty["fallbackText"]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("personal", [True, False])
def test_welcome_cards_validate(language: str, personal: bool) -> None:
    card = welcome_card(texts(language), personal=personal).to_json()
    assert card_errors(card) == []
    actions = [a["data"]["action"] for a in card["actions"]]
    assert actions == (["help"] if personal else ["start", "help"])


def test_messages_carry_the_card_and_a_summary() -> None:
    message = card_message(reply_card(every_block_reply(), texts("en")))
    assert message["type"] == "message"
    assert message["summary"] == "Week 9/12 · Measure and iterate"
    assert message["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"


def test_chart_is_a_small_data_url() -> None:
    url = chart_data_url(_png(1400, 700))
    assert url.startswith("data:image/png;base64,")
    image = PILImage.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    assert image.width == 640 and image.height == 320


def test_the_subset_schema_rejects_what_teams_would_not_render() -> None:
    good = welcome_card(texts("en"), personal=True).to_json()
    assert card_errors({**good, "version": "1.6"})
    assert card_errors({**good, "fallbackText": ""})
    assert card_errors({**good, "body": [{"type": "Media", "sources": []}]})
    assert card_errors({**good, "body": [{"type": "TextBlock"}]})
    plain_http = {"type": "Image", "url": "http://x/a.png", "altText": "a"}
    assert card_errors({**good, "body": [plain_http]})
    twice = {"type": "Input.Text", "id": "note", "label": "Note"}
    assert card_errors({**good, "body": [twice, twice]})
