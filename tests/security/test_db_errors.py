"""Database errors carry no user text (issue #13, point 9): the engines hide bound parameters,
so a failed statement's message (and the logs that quote it) shows only the SQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from storage.db import make_engine
from storage.repositories import UnitOfWorkFactory
from storage.tables import Checkin, Pilot

SECRET = "Kunde Müller, Tel. 0171 555 0199"


async def test_a_failed_insert_does_not_quote_what_the_user_wrote(db_url: str) -> None:
    engine = make_engine(db_url)
    uow = UnitOfWorkFactory(engine)
    now = datetime(2027, 1, 4, 8, 30, tzinfo=UTC)
    try:
        async with uow() as unit:
            ws = await unit.workspaces.workspace("console", "local")
            assert ws.id is not None
            pilot = Pilot(workspace_id=ws.id, channel_id="ki-pilot", start_date=date(2027, 1, 4),
                          timezone="Europe/Berlin", language="de", created_at=now)  # fmt: skip
            await unit.add(pilot)
            assert pilot.id is not None
            with pytest.raises(IntegrityError) as failed:  # no such metric
                await unit.add(Checkin(pilot_id=pilot.id, metric_id=999, week=1, value=1.0,
                                            note=SECRET, recorded_at=now))  # fmt: skip
    finally:
        await engine.dispose()
    assert "INSERT INTO checkins" in str(failed.value)
    assert SECRET not in str(failed.value)
