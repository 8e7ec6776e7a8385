"""``away until DATE`` and ``back``: a person's own absence, in every pilot they are in.

The days are the pilot's (its time zone; without a pilot, the default zone): ``away until
2027-03-01`` means away through 1 March, back on the 2nd. While away, no nudges go to them and
no escalation names them; when they are back, the planner sends one welcome back per pilot.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.jobs.dispatcher import HELD_WHILE_AWAY
from bot.services import views
from bot.services.handlers import Result, Turn
from playbook import calendar
from playbook.parsing.away import MAX_DAYS_AWAY, Away, Back
from playbook.parsing.numbers import Problem

SOURCE = "command"


async def away(turn: Turn, parsed: Away, default_zone: str) -> Result:
    t = turn.t
    zone = turn.pilot.timezone if turn.pilot is not None else default_zone
    today = calendar.local_date(turn.now, zone)
    last = parsed.resolve(today)
    if last is None:
        return Problem("away.bad_date", {"value": f"{parsed.day}.{parsed.month}."})
    if last < today:
        return Problem("away.past", {"date": t.date(last)})
    if (last - today).days > MAX_DAYS_AWAY:
        return Problem("away.too_long", {"count": str(MAX_DAYS_AWAY)})
    assert turn.person.id is not None
    back_day = last + timedelta(days=1)
    until = datetime.combine(back_day, time(0), ZoneInfo(zone))
    await turn.uow.away.start(turn.person.id, SOURCE, turn.now, until)
    await turn.uow.away.skip_pending(turn.person.id, HELD_WHILE_AWAY)
    await turn.uow.pilots.replan_person(turn.person.id)
    return [views.text_reply(t("away.done", date=t.date(last), back=t.date(back_day)))]


async def back(turn: Turn, _parsed: Back) -> Result:
    assert turn.person.id is not None
    if await turn.uow.away.end(turn.person.id, turn.now) is None:
        return Problem("back.not_away")
    await turn.uow.pilots.replan_person(turn.person.id)
    return [views.text_reply(turn.t("back.done"))]
