"""A first end-to-end check of the service on each backend: start, roles, status."""

from __future__ import annotations

from tests.conftest import Harness


async def test_start_assign_status(harness: Harness) -> None:
    out = await harness.say("clara", "start 2027-01-04")
    assert "Pilot started" in out
    out = await harness.say("clara", "assign champion @clara")
    assert "@clara is now Champion" in out
    assert "1 × (0 + 0) = 0 of 2" in out
    await harness.say("clara", "assign modeler @olaf")
    out = await harness.say("clara", "assign integrator @ines")
    assert "= 2 of 2" in out
    status = await harness.say("olaf", "status")
    assert "Week 1/12" in status
    assert "Process modeler: @olaf" in status
