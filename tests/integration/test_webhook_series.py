"""The webhook follows the channel (#14, point 9): one token per channel's pilot series. After
``next cycle`` the old URL and the same token post into the current cycle; a new token replaces
the old one for every URL of the series; another channel's token is no good."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import aiohttp

from bot.services.webhook import push_metric
from tests.conftest import BERLIN, Harness
from tests.integration import coach_support as cs


async def _token(h: Harness, **kw: object) -> str:
    match = re.search(r"(pcm_[\w-]+)", await h.say("clara", "metric token", **kw))
    assert match is not None
    return match.group(1)


async def test_old_url_and_token_reach_the_next_cycle(harness: Harness, server: str) -> None:
    h = harness
    await cs.team(h)
    await h.say("olaf", 'metric add "repair time" days baseline=8 target=6 lower')
    token = await _token(h)
    async with aiohttp.ClientSession() as http:

        async def post(pilot: int, body: dict[str, Any], auth: str = token) -> tuple[int, Any]:
            async with http.post(f"{server}/hooks/metrics/{pilot}", json=body,
                                 headers={"Authorization": f"Bearer {auth}"}) as r:  # fmt: skip
                return r.status, await r.json()

        assert (await post(1, {"metric": "repair time", "value": 7}))[0] == 201
        out = await h.say("clara", "next cycle")
        assert out.splitlines()[1] == (
            "Automation tools keep their webhook token and URL (/hooks/metrics/1): from now on "
            "their values go to cycle 2."
        )
        new = await cs.the_pilot(h)
        assert (new.id, new.cycle) == (2, 2)
        # before the new cycle has metrics: a reason, nothing stored
        status, body = await post(1, {"metric": "repair time", "value": 6})
        assert (status, body["error"]) == (422, "hook.no_metrics")
        await h.say("olaf", "metric add effort h baseline=10")
        h.clock.set(datetime(2027, 1, 11, 10, 0, tzinfo=BERLIN))  # week 1 of cycle 2
        status, body = await post(1, {"metric": "effort", "value": 8, "idempotency_key": "a"})
        assert (status, body["status"], body["week"]) == (201, "recorded", 1)
        status, body = await post(2, {"metric": "effort", "value": 7.5})  # the new URL too
        assert (status, body["status"]) == (201, "recorded")
        assert (await post(1, {"metric": "effort", "value": 8, "idempotency_key": "a"}))[1][
            "status"
        ] == "duplicate"
        # the old cycle's metric is not the current cycle's
        status, body = await post(1, {"metric": "repair time", "value": 6})
        assert (status, body["error"]) == (422, "hook.unknown_metric")
        # a new token replaces the old one on every URL of the series
        fresh = await _token(h)
        assert (await post(1, {"metric": "effort", "value": 7}))[0] == 401
        assert (await post(2, {"metric": "effort", "value": 7}))[0] == 401
        assert (await post(1, {"metric": "effort", "value": 7}, auth=fresh))[0] == 201
        # another channel's series: its token does not reach this one, nor this one's there
        await cs.team(h, channel="other")
        await h.say("olaf", "metric add effort h baseline=10", channel="other")
        other = await _token(h, channel="other")
        assert (await post(1, {"metric": "effort", "value": 7}, auth=other))[0] == 401
        assert (await post(3, {"metric": "effort", "value": 7}, auth=fresh))[0] == 401
        assert (await post(3, {"metric": "effort", "value": 7}, auth=other))[0] == 201
    rows = await cs.checkins(h)
    assert [(r.pilot_id, r.value, r.source) for r in rows] == [
        (2, 8.0, "webhook"),
        (2, 7.5, "webhook"),
        (2, 7.0, "webhook"),
    ]
    # one value per metric and week: the latest push replaces the earlier ones of that week
    assert [r.replaced_by for r in rows] == [rows[1].id, rows[2].id, None]
    status = await h.say("olaf", "status")
    assert "effort: baseline 10 h, estimate (1 week measured, 2 needed)" in status
    assert [c.pilot_id for c in await cs.checkins(h, channel="other")] == [3]


async def test_webhook_folgt_dem_kanal(harness_de: Harness) -> None:
    h = harness_de
    await cs.team(h)
    await h.say("olaf", "kennzahl neu Aufwand Stunden basis=10")
    token = await _token(h)
    out = await h.say("clara", "nächster zyklus")
    assert out.splitlines()[1] == (
        "Automatisierungswerkzeuge behalten ihr Webhook-Token und ihre Adresse "
        "(/hooks/metrics/1): Ihre Werte gehen ab jetzt an Zyklus 2."
    )
    result = await push_metric(h.app.uow, h.clock, 1, token, {"metric": "Aufwand", "value": 8})
    assert (result.status, result.body["message"]) == (
        422,
        "Dieser Zyklus hat noch keine Kennzahlen: lege im Chat eine mit kennzahl neu an.",
    )
    await h.say("olaf", "kennzahl neu Aufwand Stunden basis=10")
    h.clock.set(datetime(2027, 1, 11, 10, 0, tzinfo=BERLIN))
    result = await push_metric(h.app.uow, h.clock, 1, token, {"metric": "Aufwand", "value": "7,5"})
    assert (result.status, result.body["value"]) == (201, 7.5)
    assert [(c.pilot_id, c.value) for c in await cs.checkins(h)] == [(2, 7.5)]


async def test_next_cycle_without_a_token_says_nothing_about_the_webhook(h: Harness) -> None:
    await cs.team(h)
    out = await h.say("clara", "next cycle")
    assert len(out.splitlines()) == 1 and "/hooks/metrics" not in out


h = cs.h  # the English- and the German-default harness
