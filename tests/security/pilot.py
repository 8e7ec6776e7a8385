"""A measured pilot in the Slack world, set up the way its team would (signed slash commands and
clicks), the metric webhook it exposes, and the CLI run against the same database."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.slack.world import SlackWorld

CLARA, OLAF, INES = "UCLARA01", "UOLAF002", "UINES003"
EXE = str(Path(sys.executable).parent / "pilot-coach")


async def said(world: SlackWorld, user: str, text: str) -> str:
    """``/pilot text`` as ``user``; the answer Slack shows them (through the response_url)."""
    before = len(world.fake.of("response_url"))
    answer = await world.command(user, text)
    assert answer.status == 200, answer
    answers = world.fake.of("response_url")[before:]
    return "\n".join(str(c.args.get("text", "")) for c in answers)


async def measured_pilot(world: SlackWorld) -> str:
    """A pilot (id 1) with its three roles and the metric "repair time"; returns its webhook
    token."""
    await said(world, CLARA, "start 2027-01-04")
    await world.pick(CLARA, "champion", CLARA)
    await world.pick(CLARA, "modeler", OLAF)
    await world.pick(CLARA, "integrator", INES)
    await said(world, OLAF, 'metric add "repair time" days baseline=8 target=6 lower')
    out = await said(world, CLARA, "metric token")
    token = re.search(r"pcm_[\w-]+", out)
    assert token, out
    return token.group(0)


async def push(world: SlackWorld, body: object | bytes, token: str | None,
               pilot: str = "1") -> tuple[int, Any]:  # fmt: skip
    """``POST /hooks/metrics/{pilot}``: JSON of ``body`` (or the bytes as they are)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    url = f"{world.url}/hooks/metrics/{pilot}"
    async with world.session.post(url, data=data, headers=headers) as r:
        text = await r.text()
        return r.status, json.loads(text) if r.content_type == "application/json" else text


def cli(*args: str, db: str, stdin: str | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    full = {k: v for k, v in os.environ.items() if not k.startswith(("PILOT_", "DATABASE"))}
    full.update({"DATABASE_URL": db, **(env or {})})
    return subprocess.run(
        [EXE, *args], input=stdin, capture_output=True, text=True, env=full, timeout=120,
        check=False,
    )  # fmt: skip
