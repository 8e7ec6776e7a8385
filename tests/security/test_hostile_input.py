"""Hostile input at every edge (security issue #13, points 6 and 8), against the real server.

Each attack gets a 4xx or a clear chat answer and leaves at most one log line, never a
traceback: unsigned or malformed Slack bodies (the signature is checked on the raw bytes before
anything parses them), JSON nested thousands deep on the Teams and webhook routes, ids beyond a
64-bit integer, timestamps and start dates in year 1 or 9999. Webhook numbers are numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.security.pilot import CLARA, OLAF, cli, measured_pilot, push, said
from tests.slack.conftest import running, slack_settings
from tests.slack.fake_slack import FakeSlack
from tests.slack.world import SECRET, SlackWorld
from tests.teams.conftest import StartServer

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
DEEP = "[" * 50_000 + "]" * 50_000
# Bodies Slack never sends: broken JSON, a form that is not UTF-8, a payload that is not JSON
# (or not an object), JSON nested 50 000 deep.
MALFORMED: list[tuple[bytes, str]] = [
    (b'{"type": "event_callback", "event": {', JSON),
    ("command=/pilot&text=caf\xe9".encode("latin-1"), FORM),
    (b"payload=not-json", FORM),
    (b"payload=%5B1%2C2%5D", FORM),
    (b"[1, 2]", JSON),
    (DEEP.encode(), JSON),
]


def signed(body: bytes, timestamp: str, secret: str) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


async def slack_raw(world: SlackWorld, body: bytes, content_type: str, *,
                    timestamp: str | None = None, secret: str | None = SECRET) -> int:  # fmt: skip
    """POST raw bytes to /slack/events; signed with ``secret`` (None: no signature headers)."""
    headers = {"Content-Type": content_type}
    if secret is not None:
        ts = str(int(time.time())) if timestamp is None else timestamp
        headers |= {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signed(body, ts, secret)}
    async with world.session.post(f"{world.url}/slack/events", data=body, headers=headers) as r:
        await r.read()
        return r.status


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records
            if r.exc_info or "Traceback" in r.getMessage()]  # fmt: skip


# ---- Slack: the signature first ------------------------------------------------------------


async def test_200_unsigned_malformed_slack_requests_are_401_with_one_log_line_each(
    world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    now = str(int(time.time()))
    forgeries = [
        {"secret": None},  # no signature at all
        {"secret": "not-the-signing-secret"},
        {"timestamp": "abc"},  # signed with the real secret, but over "abc"
        {"timestamp": str(int(time.time()) - 600)},  # stale
        {"timestamp": "١٧٠٠٠٠٠٠٠٠"},  # digits, but not ASCII ones
    ]
    statuses = []
    for n in range(200):
        body, kind = MALFORMED[n % len(MALFORMED)]
        forged = forgeries[n % len(forgeries)]
        statuses.append(await slack_raw(world, body, kind, **forged))
    assert statuses == [401] * 200
    assert tracebacks(caplog) == []
    assert len(caplog.records) <= 200, [r.getMessage() for r in caplog.records[:5]]
    assert world.fake.calls == []
    # a real request still gets through
    assert (await slack_raw(world, urlencode(world.command_form(CLARA, "help")).encode(), FORM,
                            timestamp=now)) == 200  # fmt: skip


async def test_signed_but_unreadable_slack_bodies_are_400(
    world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    readable = [(b, k) for b, k in MALFORMED if not b.startswith(b"command=")]
    assert [await slack_raw(world, body, kind) for body, kind in readable] == [400] * 5
    # Not UTF-8: Slack signs UTF-8 text, the SDK's verifier reads nothing else, so it is no
    # Slack signature either.
    assert await slack_raw(world, "text=caf\xe9".encode("latin-1"), FORM) == 401
    assert tracebacks(caplog) == []
    assert len(caplog.records) <= 6
    assert world.fake.calls == []


@pytest.fixture
async def oauth_world(sqlite_url: str) -> AsyncIterator[SlackWorld]:
    """Multi-workspace mode: installations from the OAuth flow, the same signing secret."""
    fake = FakeSlack()
    await fake.start()
    settings = slack_settings(
        sqlite_url, fake.api_url, slack_bot_token="", slack_client_id="1111.2222",
        slack_client_secret="client-secret-xyz", slack_state_secret="state-secret-xyz",
    )  # fmt: skip
    try:
        async with running(settings, fake) as world:
            yield world
    finally:
        await fake.stop()


async def test_multi_workspace_mode_checks_the_signature_first_too(
    oauth_world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    world = oauth_world
    garbage, kind = MALFORMED[0]
    assert await slack_raw(world, garbage, kind, secret=None) == 401
    assert await slack_raw(world, garbage, kind, secret="forged") == 401
    assert await slack_raw(world, garbage, kind, timestamp="abc") == 401
    assert await slack_raw(world, garbage, kind) == 400
    assert await slack_raw(world, DEEP.encode(), JSON) == 400
    assert tracebacks(caplog) == []
    # the install page (a browser's GET, never signed) is still served
    async with world.session.get(f"{world.url}/slack/install", allow_redirects=False) as r:
        assert r.status in (200, 302)


# ---- Teams and the webhook: bounded JSON ---------------------------------------------------


async def test_teams_refuses_deep_or_misshapen_json_with_400(
    sqlite_url: str, start_server: StartServer, caplog: pytest.LogCaptureFixture
) -> None:
    server = await start_server(sqlite_url)
    misshapen = [
        DEEP,
        '{"type": "message", "text": ' + "[" * 5000 + "]" * 5000 + "}",
        '{"type": "message", "from": 5}',
        '{"type": "message", "timestamp": "not a time"}',
        '{"type": "message", "entities": "x"}',
        '{"type": "message", "text": NaN}',
    ]
    statuses = []
    for body in misshapen:
        async with server.session.post(
            server.url, data=body.encode(), headers={"Content-Type": "application/json"}
        ) as r:
            statuses.append(r.status)
    huge = json.dumps({"type": "message", "text": "x" * 300_000})
    async with server.session.post(server.url, data=huge.encode(),
                                   headers={"Content-Type": "application/json"}) as r:  # fmt: skip
        statuses.append(r.status)
    assert statuses == [400] * len(misshapen) + [413]
    assert tracebacks(caplog) == []


async def test_webhook_refuses_deep_json_huge_ids_and_year_1(
    world_on_each_db: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    world = world_on_each_db
    token = await measured_pilot(world)
    good = {"metric": "repair time", "value": 7}
    deep = "[" * 8_000 + "]" * 8_000  # within the route's 16 KB
    status, body = await push(world, ('{"metric": ' + deep + "}").encode(), token)
    assert (status, body["error"]) == (422, "hook.not_an_object")
    assert (await push(world, deep.encode(), None))[0] == 401
    for pilot in (str(2**64), str(2**63 - 1), str(2**31), str(2**31 - 1), "-1", "+1", "٣", "0",
                  "1e3"):  # fmt: skip
        assert (await push(world, good, token, pilot=pilot))[0] == 401, pilot
    for at in ("0001-01-01T00:00:00+01:00", "0001-01-01", "1900-01-01T00:00:00Z",
               "9999-12-31T23:59:59-23:59", "2030-01-01T00:00:00Z"):  # fmt: skip
        status, body = await push(world, {**good, "at": at}, token)
        assert (status, body["error"]) == (422, "hook.at_out_of_range"), at
        assert at in body["message"] and "within the last year" in body["message"]
    status, body = await push(world, {**good, "at": "yesterday"}, token)
    assert (status, body["error"]) == (422, "hook.bad_at")
    status, body = await push(world, {**good, "idempotency_key": "run\x00-1"}, token)
    assert (status, body["error"]) == (422, "hook.bad_key")
    # NUL and other control characters never reach the database (PostgreSQL refuses NUL)
    status, body = await push(world, {**good, "metric": "repair\x00 time", "note": "a\x00b\x07c"},
                              token)  # fmt: skip
    assert (status, body["status"]) == (201, "recorded")
    assert tracebacks(caplog) == []
    dump = json.loads(cli("export", "--pilot", "1", "--format", "json", db=world.app.settings
                          .database_url).stdout)  # fmt: skip
    assert [c["note"] for c in dump["pilots"][0]["checkins"]] == ["abc"]


async def test_webhook_json_numbers_are_numbers_in_a_german_pilot(
    world_on_each_db: SlackWorld,
) -> None:
    world = world_on_each_db
    token = await measured_pilot(world)
    assert "Sprache de" in await said(world, CLARA, "settings lang=de")

    async def value(raw: str) -> tuple[int, object]:
        body = ('{"metric": "repair time", "value": ' + raw + "}").encode()
        status, answer = await push(world, body, token)
        return status, answer.get("value", answer.get("error"))

    assert await value("2.125") == (201, 2.125)  # not 2125: a JSON number has no locale
    assert await value("1e-05") == (201, 1e-05)
    assert await value("6") == (201, 6.0)
    assert await value('"6,5"') == (201, 6.5)  # a string is read like a chat check-in
    assert await value('"6,5 Tage"') == (201, 6.5)
    assert await value("true") == (422, "checkin.not_a_number")
    assert await value("1e999") == (422, "checkin.not_a_number")
    assert await value("-2.5") == (422, "checkin.negative")
    assert await value("2000000.5") == (422, "checkin.out_of_range")
    assert await value("[6]") == (422, "checkin.not_a_number")


# ---- start dates ---------------------------------------------------------------------------


async def test_start_dates_more_than_a_year_away_are_refused(world_on_each_db: SlackWorld) -> None:
    world = world_on_each_db  # today is Monday 4 January 2027 there
    for day in ("0001-01-01", "9999-12-27", "2028-01-10", "2025-12-29"):
        assert await said(world, CLARA, f"start {day}") == (
            f"{day} is too far from today: week 1 must begin at most a year before or after "
            "today, between 2026-01-03 and 2028-01-05."
        )
    assert (await said(world, OLAF, "status")).startswith("There is no open pilot here.")
    assert (await said(world, CLARA, "start 2027-12-27")).startswith("Pilot started!")


def test_start_in_year_1_or_9999_is_refused_in_german_and_nothing_crashes(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'pilot.db'}"
    assert cli("db", "upgrade", db=db).returncode == 0
    script = "start 9999-12-27\n:advance 1w\nstart 0001-01-01\n:advance 1w\nstand\n"
    console = cli("console", "--user", "clara", db=db, stdin=script,
                  env={"PILOT_DEFAULT_LANGUAGE": "de"})  # fmt: skip
    assert console.returncode == 0, console.stderr
    out = console.stdout
    for day in ("9999-12-27", "0001-01-01"):
        assert f"Der {day} liegt zu weit von heute entfernt: Woche 1 muss höchstens ein Jahr vor " \
               "oder nach heute beginnen, also zwischen dem " in out  # fmt: skip
    assert "Pilot gestartet" not in out and "error" not in out.lower()
    assert "Hier läuft kein Pilot" in out
    report = cli("report", "--pilot", "1", "--out", str(tmp_path / "r"), db=db)
    assert (report.returncode, report.stderr.strip()) == (1, "error: no pilot with id 1")
    huge = str(2**64)  # no id the database can hold: "no pilot", not a driver's overflow error
    for args in (("report", "--pilot", huge, "--out", str(tmp_path / "r")),
                 ("export", "--pilot", huge, "--format", "csv")):  # fmt: skip
        result = cli(*args, db=db)
        assert (result.returncode, result.stderr.strip()) == (1, f"error: no pilot with id {huge}")
