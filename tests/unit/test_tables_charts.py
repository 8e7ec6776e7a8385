"""The metrics as a table and the charts as data (issue 18, point 2): they survive the outbox,
Slack gets one ``table`` block per message (none in views, no chart data), Teams a Table and a
Chart.Line per metric, the first falling back to the PNG and the others dropped."""

from __future__ import annotations

from adapters.slack.outbound import to_blocks
from adapters.slack.surfaces import home_view
from adapters.teams.cards import reply_card
from bot.catalog import texts
from bot.messages import Heading, LineChart, Paragraph, Reply, Series, Table
from tests.teams.card_schema import card_errors

TABLE = Table(("Metric", "Baseline"), (("repair time", "8 days"), ("<@U0ANNA01> & co", "1 h")))
CHARTS = (
    LineChart("repair time (days)", ("W2", "W3", "W4"),
              (Series("weekly value", (8.0, None, 7.5)), Series("target", (6.0, 6.0, 6.0)))),
    LineChart("effort (h)", ("W2", "W3", "W4"), (Series("weekly value", (12.0, 11.0, None)),)),
)  # fmt: skip
REPLY = Reply(text="Results", blocks=(Heading("Results"), Paragraph("8 → 7.5"), TABLE, TABLE,
                                      *CHARTS))  # fmt: skip
PNG_URL = "data:image/png;base64,iVBORw0KGgo="


def test_tables_and_charts_survive_the_outbox() -> None:
    assert Reply.from_json(REPLY.to_json()) == REPLY


def test_slack_gets_one_table_block_and_no_chart_data() -> None:
    blocks = [b.to_dict() for b in to_blocks(REPLY)]
    tables = [b for b in blocks if b["type"] == "table"]
    assert len(tables) == 1  # Slack allows one per message: the second is text
    cells = [[c["elements"][0]["elements"][0]["text"] for c in row] for row in tables[0]["rows"]]
    assert cells == [
        ["Metric", "Baseline"],
        ["repair time", "8 days"],
        ["<@U0ANNA01> & co", "1 h"],
    ]  # fmt: skip  (rich text: no mention forms)
    assert tables[0]["rows"][0][0]["elements"][0]["elements"][0]["style"] == {"bold": True}
    assert "&lt;@U0ANNA01&gt; &amp; co" in str(blocks[-1])  # the second table, escaped mrkdwn
    assert "W3" not in str(blocks)
    home = home_view(REPLY).to_dict()
    assert all(b["type"] != "table" for b in home["blocks"])  # views have no table block


def test_teams_draws_the_charts_with_the_png_as_fallback() -> None:
    card = reply_card(REPLY, texts("en"), chart_url=PNG_URL).to_json()
    assert card_errors(card) == []
    first, second = [e for e in card["body"] if e["type"] == "Chart.Line"]
    assert card["body"][1] is not None and card["body"][1]["type"] == "Chart.Line"  # under title
    assert first["fallback"] == {"type": "Image", "url": PNG_URL, "size": "stretch",
                                 "altText": texts("en")("teams.chart_alt")}  # fmt: skip
    assert first["data"][0]["values"] == [{"x": "W2", "y": 8.0}, {"x": "W4", "y": 7.5}]
    assert second["fallback"] == "drop"  # the PNG shows every metric once
    tables = [e for e in card["body"] if e["type"] == "Table"]
    assert len(tables) == 2 and tables[0]["firstRowAsHeaders"] is True
    without_png = reply_card(REPLY, texts("en")).to_json()
    assert all(e.get("fallback") == "drop" for e in without_png["body"]
               if e["type"] == "Chart.Line")  # fmt: skip
