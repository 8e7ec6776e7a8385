"""The platforms' own libraries check what the bot sends: every Block Kit payload of a played
pilot (messages, nudges, App Home, modals) is type-checked by ``tsc`` against ``@slack/types``
(``KnownBlock[]``, ``View``), and every Adaptive Card is parsed by Microsoft's ``adaptivecards``
with no warning (``check_cards.js``: Teams' Chart.Line registered and checked as Teams documents
it, and a host without charts must only fall back). The npm packages come from
``package-lock.json`` (``npm ci`` in ``.ci/run``); without node the test is skipped, saying why.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from storage.db import upgrade
from tests.contract import payloads

HERE = Path(__file__).parent
MODULES = HERE / "node_modules"
BUILD = HERE / "build"

needs_node = pytest.mark.skipif(
    shutil.which("node") is None or not (MODULES / "typescript").is_dir(),
    reason="node or tests/contract/node_modules missing: run `npm ci` in tests/contract "
    "(.ci/run does) to check payloads against @slack/types and adaptivecards",
)


@pytest.fixture(scope="module", params=["en", "de"])
def played(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One pilot played per language (module-wide: the three checks read the same payloads)."""
    path = tmp_path_factory.mktemp(f"contract-{request.param}") / "pilot.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    answers, sent, home = asyncio.run(payloads.play(url, request.param))
    return request.param, answers, sent, home


def _typescript(slack: dict[str, dict[str, Any]]) -> str:
    lines = ['import type { KnownBlock, View } from "@slack/types";', ""]
    for name, payload in sorted(slack.items()):
        if "view" in payload:
            lines.append(f"export const {name}: View = {json.dumps(payload['view'])};")
        else:
            lines.append(f"export const {name}: KnownBlock[] = {json.dumps(payload['blocks'])};")
    return "\n".join(lines) + "\n"


def tsc(slack: dict[str, dict[str, Any]], name: str) -> subprocess.CompletedProcess[str]:
    BUILD.mkdir(exist_ok=True)
    source = BUILD / f"{name}.ts"
    source.write_text(_typescript(slack), "utf-8")
    command = ["node", str(MODULES / "typescript" / "bin" / "tsc"), "--noEmit", "--strict",
               "--target", "es2020", "--module", "commonjs", "--moduleResolution", "node",
               str(source)]  # fmt: skip
    return subprocess.run(command, cwd=HERE, capture_output=True, text=True, timeout=300)


def adaptive(cards: dict[str, Any], directory: Path) -> dict[str, Any]:
    payloads.write(directory, cards)
    done = subprocess.run(["node", str(HERE / "check_cards.js"), str(directory)], cwd=HERE,
                          capture_output=True, text=True, timeout=300, check=True)  # fmt: skip
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def test_the_played_pilot_covers_every_surface(played: Any) -> None:
    language, answers, sent, home = played
    slack = payloads.slack_payloads(language, answers, sent, home)
    blocks = [b for p in slack.values() for b in p.get("blocks", p.get("view", {}).get("blocks"))]
    kinds = {b["type"] for b in blocks}
    assert {"header", "section", "actions", "table", "input", "context"} <= kinds
    cards = payloads.teams_cards(language, answers, sent)
    elements = json.dumps(cards)
    for kind in ("Chart.Line", "Table", "FactSet", "Input.Number", "Input.ChoiceSet", "Image"):
        assert f'"type": "{kind}"' in elements, kind


@needs_node
def test_block_kit_type_checks_against_slack_types(played: Any) -> None:
    language, answers, sent, home = played
    slack = payloads.slack_payloads(language, answers, sent, home)
    done = tsc(slack, f"payloads_{language}")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


@needs_node
def test_adaptive_cards_parse_without_warnings(played: Any, tmp_path: Path) -> None:
    language, answers, sent, _ = played
    report = adaptive(payloads.teams_cards(language, answers, sent), tmp_path)
    problems = {name: r["problems"] for name, r in report.items() if r["problems"]}
    assert problems == {}
    assert sum(r["charts"] for r in report.values()) >= 2  # the results: one per metric


@needs_node
def test_the_checks_can_fail(tmp_path: Path) -> None:
    """A wrong block and a malformed chart are reported: the checks are not vacuous."""
    wrong = {"bad": {"blocks": [{"type": "header", "text": {"type": "mrkdwn", "text": "x"}}]}}
    assert tsc(wrong, "wrong").returncode != 0
    chart = {"type": "Chart.Line", "title": "x", "data": [{"legend": "a", "values": [{"x": "W1"}]}]}
    card = {"type": "AdaptiveCard", "version": "1.5", "body": [chart, {"type": "TextBlok"}]}
    report = adaptive({"bad": card}, tmp_path)
    text = " ".join(report["bad"]["problems"])
    assert "y must be a number" in text and "TextBlok" in text
