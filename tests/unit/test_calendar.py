"""Pilot time: weekly slots across DST and holidays, reminders, snooze, parsing, week numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from playbook.calendar import (
    Schedule,
    holiday_name,
    is_working_day,
    local_date,
    monday_of,
    next_working_day,
    parse_nudge_slot,
    parse_region,
    parse_time,
    parse_weekday,
    parse_zone,
    pilot_week,
    reminder_slot,
    slot_on,
    snooze_until,
    week_start,
    weekly_slot,
)
from playbook.roadmap import week_of

BERLIN = ZoneInfo("Europe/Berlin")
NINE = time(9, 0)


def schedule(weekday: int = 0, region: str = "DE", at: time = NINE) -> Schedule:
    return Schedule(zone="Europe/Berlin", weekday=weekday, at=at, region=region)


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


# --- weekly_slot across daylight saving ----------------------------------------------------


@pytest.mark.parametrize(
    ("week", "local_day", "utc_hour"),
    [
        (1, date(2027, 3, 15), 8),  # CET, UTC+1
        (2, date(2027, 3, 22), 8),  # last Monday before the switch on Sun 28 March
        (4, date(2027, 4, 5), 7),  # CEST, UTC+2
        (5, date(2027, 4, 12), 7),
    ],
)
def test_weekly_slot_spring_switch(week: int, local_day: date, utc_hour: int) -> None:
    slot = weekly_slot(date(2027, 3, 15), week, schedule())
    assert slot.date() == local_day
    assert slot.time() == NINE
    assert utc(slot).hour == utc_hour
    assert utc(slot).astimezone(BERLIN).time() == NINE


@pytest.mark.parametrize(
    ("week", "local_day", "utc_hour"),
    [
        (1, date(2027, 10, 18), 7),  # CEST
        (2, date(2027, 10, 25), 7),  # last Monday before the switch on Sun 31 October
        (3, date(2027, 11, 1), 8),  # CET (All Saints' is no holiday in DE as a whole)
        (4, date(2027, 11, 8), 8),
    ],
)
def test_weekly_slot_autumn_switch(week: int, local_day: date, utc_hour: int) -> None:
    slot = weekly_slot(date(2027, 10, 18), week, schedule())
    assert slot.date() == local_day
    assert slot.time() == NINE
    assert utc(slot).hour == utc_hour
    assert utc(slot).astimezone(BERLIN).time() == NINE


def test_weekly_slot_utc_offsets_differ_by_an_hour_across_the_switch() -> None:
    before = weekly_slot(date(2027, 3, 15), 2, schedule())
    after = weekly_slot(date(2027, 3, 15), 4, schedule())
    assert before.utcoffset() == timedelta(hours=1)
    assert after.utcoffset() == timedelta(hours=2)
    # two calendar weeks apart, yet only 14 days minus one hour in absolute time
    assert utc(after) - utc(before) == timedelta(days=14, hours=-1)


def test_weekly_slot_other_zone_keeps_local_time() -> None:
    ny = Schedule(zone="America/New_York", weekday=0, at=time(8, 30), region="US")
    before = weekly_slot(date(2027, 3, 8), 1, ny)  # DST starts Sun 14 March 2027 in the US
    after = weekly_slot(date(2027, 3, 8), 2, ny)
    assert (before.hour, before.minute) == (8, 30)
    assert (after.hour, after.minute) == (8, 30)
    assert utc(before).hour == 13
    assert utc(after).hour == 12


# --- holidays and weekends -----------------------------------------------------------------


def test_easter_monday_slot_moves_to_tuesday_cest() -> None:
    slot = weekly_slot(date(2027, 3, 15), 3, schedule())
    assert slot.date() == date(2027, 3, 30)
    assert slot.time() == NINE
    assert slot.utcoffset() == timedelta(hours=2)
    assert utc(slot) == datetime(2027, 3, 30, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize("region", ["DE", "DE-BY", "AT"])
def test_easter_monday_is_a_holiday_everywhere(region: str) -> None:
    assert holiday_name(date(2027, 3, 29), region) is not None
    assert not is_working_day(date(2027, 3, 29), region)


def test_epiphany_is_a_holiday_in_bavaria_only() -> None:
    epiphany = date(2027, 1, 6)  # a Wednesday
    assert holiday_name(epiphany, "DE-BY") is not None
    assert holiday_name(epiphany, "DE") is None
    wednesday = schedule(weekday=2, region="DE-BY")
    assert weekly_slot(date(2027, 1, 4), 1, wednesday) == datetime(2027, 1, 7, 9, tzinfo=BERLIN)
    germany = schedule(weekday=2, region="DE")
    assert weekly_slot(date(2027, 1, 4), 1, germany) == datetime(2027, 1, 6, 9, tzinfo=BERLIN)


def test_all_saints_moves_only_in_bavaria() -> None:
    assert weekly_slot(date(2027, 10, 18), 3, schedule(region="DE-BY")) == datetime(
        2027, 11, 2, 9, tzinfo=BERLIN
    )
    assert weekly_slot(date(2027, 10, 18), 3, schedule(region="DE")) == datetime(
        2027, 11, 1, 9, tzinfo=BERLIN
    )


def test_whit_monday_and_good_friday() -> None:
    # Pentecost Monday 17 May 2027 -> Tuesday
    assert weekly_slot(date(2027, 5, 17), 1, schedule()).date() == date(2027, 5, 18)
    # Good Friday 26 March 2027 on a Friday schedule -> Monday is Easter Monday -> Tuesday
    friday = schedule(weekday=4)
    assert weekly_slot(date(2027, 3, 22), 1, friday) == datetime(2027, 3, 30, 9, tzinfo=BERLIN)


def test_new_year_friday_moves_over_the_weekend() -> None:
    assert slot_on(date(2027, 1, 1), schedule()) == datetime(2027, 1, 4, 9, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2027, 1, 9), date(2027, 1, 11)),  # Saturday -> Monday
        (date(2027, 1, 10), date(2027, 1, 11)),  # Sunday -> Monday
        (date(2027, 1, 11), date(2027, 1, 11)),  # Monday stays
        (date(2027, 12, 24), date(2027, 12, 24)),  # Christmas Eve is no public holiday
        (date(2027, 12, 25), date(2027, 12, 27)),  # Saturday + holiday -> Monday
    ],
)
def test_next_working_day(day: date, expected: date) -> None:
    assert next_working_day(day, "DE") == expected


def test_weekend_slot_moves_to_monday() -> None:
    saturday = schedule(weekday=5)
    slot = weekly_slot(date(2027, 1, 4), 1, saturday)
    assert slot == datetime(2027, 1, 11, 9, tzinfo=BERLIN)


def test_slot_keeps_configured_minutes() -> None:
    slot = weekly_slot(date(2027, 1, 4), 2, schedule(weekday=1, at=time(7, 45)))
    assert slot == datetime(2027, 1, 12, 7, 45, tzinfo=BERLIN)


def test_is_working_day() -> None:
    assert is_working_day(date(2027, 1, 4), "DE")
    assert not is_working_day(date(2027, 1, 2), "DE")  # Saturday
    assert not is_working_day(date(2027, 10, 3), "DE")  # Sunday and German Unity Day
    assert not is_working_day(date(2027, 5, 6), "CH-ZH")  # Ascension Day


# --- reminder slot -------------------------------------------------------------------------


def test_reminder_slot_three_days_later() -> None:
    assert reminder_slot(date(2027, 1, 4), 1, schedule()) == datetime(2027, 1, 7, 9, tzinfo=BERLIN)


def test_reminder_slot_moves_past_a_holiday() -> None:
    # Ascension Day Thursday 6 May 2027 -> Friday
    assert reminder_slot(date(2027, 5, 3), 1, schedule()) == datetime(2027, 5, 7, 9, tzinfo=BERLIN)


def test_reminder_slot_none_when_it_slips_into_next_week() -> None:
    assert reminder_slot(date(2027, 1, 4), 1, schedule(weekday=4)) is None  # Fri + 3 = Mon
    # Tuesday schedule: Good Friday -> Easter Monday -> Tuesday of the next week
    assert reminder_slot(date(2027, 3, 22), 1, schedule(weekday=1)) is None
    assert reminder_slot(date(2027, 3, 22), 1, schedule(weekday=0)) == datetime(
        2027, 3, 25, 9, tzinfo=BERLIN
    )


def test_reminder_slot_later_weeks() -> None:
    assert reminder_slot(date(2027, 1, 4), 12, schedule()) == datetime(
        2027, 3, 25, 9, tzinfo=BERLIN
    )


# --- snooze --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "region", "expected"),
    [
        (datetime(2027, 1, 4, 10, tzinfo=BERLIN), "DE", datetime(2027, 1, 5, 9, tzinfo=BERLIN)),
        (datetime(2027, 1, 8, 15, tzinfo=BERLIN), "DE", datetime(2027, 1, 11, 9, tzinfo=BERLIN)),
        (datetime(2027, 1, 5, 10, tzinfo=BERLIN), "DE", datetime(2027, 1, 6, 9, tzinfo=BERLIN)),
        (
            datetime(2027, 1, 5, 10, tzinfo=BERLIN),
            "DE-BY",
            datetime(2027, 1, 7, 9, tzinfo=BERLIN),
        ),
        (datetime(2027, 1, 9, 12, tzinfo=BERLIN), "DE", datetime(2027, 1, 11, 9, tzinfo=BERLIN)),
        (
            datetime(2027, 3, 25, 8, tzinfo=BERLIN),
            "DE",
            datetime(2027, 3, 30, 9, tzinfo=BERLIN),
        ),
    ],
)
def test_snooze_until_next_working_day(now: datetime, region: str, expected: datetime) -> None:
    assert snooze_until(now, schedule(region=region)) == expected


def test_snooze_uses_pilot_local_date() -> None:
    # 23:30 UTC on Monday is already Tuesday 00:30 in Berlin: snooze to Wednesday
    now = datetime(2027, 1, 4, 23, 30, tzinfo=UTC)
    assert snooze_until(now, schedule()) == datetime(2027, 1, 6, 9, tzinfo=BERLIN)
    # 22:30 UTC is still Monday in Berlin: snooze to Tuesday
    now = datetime(2027, 1, 4, 22, 30, tzinfo=UTC)
    assert snooze_until(now, schedule()) == datetime(2027, 1, 5, 9, tzinfo=BERLIN)


def test_snooze_is_always_in_the_future() -> None:
    now = datetime(2027, 1, 4, 8, tzinfo=BERLIN)  # before today's slot
    assert snooze_until(now, schedule()) > now + timedelta(hours=12)


# --- parsing settings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("DE", "DE"),
        ("de", "DE"),
        ("de-by", "DE-BY"),
        ("DE-BY", "DE-BY"),
        (" de-by ", "DE-BY"),
        ("AT", "AT"),
        ("CH-ZH", "CH-ZH"),
        ("ch-zh", "CH-ZH"),
        ("XX", None),
        ("DE-XX", None),
        ("DE-", None),
        ("D", None),
        ("DEU", None),
        ("de_by", None),
        ("", None),
        ("Bayern", None),
    ],
)
def test_parse_region(value: str, expected: str | None) -> None:
    assert parse_region(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("Europe/Vienna", "Europe/Vienna"),
        ("UTC", "UTC"),
        ("America/New_York", "America/New_York"),
        ("Mars/Base", None),
        ("", None),
        ("Europe", None),
        ("../etc/passwd", None),
        ("/etc/localtime", None),
        ("Berlin", None),
    ],
)
def test_parse_zone(value: str, expected: str | None) -> None:
    assert parse_zone(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("09:00", time(9, 0)),
        ("9:00", time(9, 0)),
        ("9.30", time(9, 30)),
        (" 07:05 ", time(7, 5)),
        ("00:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("24:00", None),
        ("9:5", None),
        ("9", None),
        ("9:60", None),
        ("9:00am", None),
        ("neun", None),
        ("", None),
    ],
)
def test_parse_time(value: str, expected: time | None) -> None:
    assert parse_time(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("mon", 0),
        ("MON", 0),
        ("Mo", 0),
        ("Mo.", 0),
        ("monday", 0),
        ("Montag", 0),
        ("tue", 1),
        ("di", 1),
        ("Dienstag", 1),
        ("wed", 2),
        ("mi", 2),
        ("thu", 3),
        ("Do", 3),
        ("Donnerstag", 3),
        ("fri", 4),
        ("Fr.", 4),
        ("freitag", 4),
        ("sat", None),
        ("Samstag", None),
        ("sun", None),
        ("So", None),
        ("", None),
    ],
)
def test_parse_weekday(value: str, expected: int | None) -> None:
    assert parse_weekday(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("MON 09:00", (0, time(9))),
        ("Di 8.30", (1, time(8, 30))),
        ("fri 16:45", (4, time(16, 45))),
        ("SAT 09:00", None),
        ("MON", None),
        ("MON 25:00", None),
        ("MON 09:00 extra", None),
        ("", None),
    ],
)
def test_parse_nudge_slot(value: str, expected: tuple[int, time] | None) -> None:
    assert parse_nudge_slot(value) == expected


# --- weeks ---------------------------------------------------------------------------------

START = date(2027, 1, 4)


@pytest.mark.parametrize(
    ("today", "week"),
    [
        (date(2026, 12, 31), 0),
        (date(2027, 1, 3), 0),
        (date(2027, 1, 4), 1),
        (date(2027, 1, 10), 1),
        (date(2027, 1, 11), 2),
        (date(2027, 3, 28), 12),
        (date(2027, 3, 29), 13),
        (date(2027, 5, 3), 18),
    ],
)
def test_week_of(today: date, week: int) -> None:
    assert week_of(START, today) == week


def test_week_start_and_week_of_agree() -> None:
    for week in range(1, 20):
        first = week_start(START, week)
        assert first.weekday() == 0
        assert week_of(START, first) == week
        assert week_of(START, first - timedelta(days=1)) == week - 1


def test_pilot_week_uses_the_pilot_zone() -> None:
    # Sunday 23:30 UTC is already Monday 00:30 in Berlin
    late_sunday = datetime(2027, 1, 3, 23, 30, tzinfo=UTC)
    assert pilot_week(START, late_sunday, "Europe/Berlin") == 1
    assert pilot_week(START, late_sunday, "UTC") == 0
    assert pilot_week(START, late_sunday, "America/New_York") == 0


def test_pilot_week_before_start_and_after_twelve() -> None:
    assert pilot_week(START, datetime(2026, 12, 1, tzinfo=UTC), "Europe/Berlin") == 0
    assert pilot_week(START, datetime(2027, 3, 29, 9, tzinfo=BERLIN), "Europe/Berlin") == 13
    assert pilot_week(START, datetime(2027, 4, 30, 9, tzinfo=BERLIN), "Europe/Berlin") == 17


def test_local_date() -> None:
    assert local_date(datetime(2027, 1, 4, 23, 30, tzinfo=UTC), "Europe/Berlin") == date(2027, 1, 5)
    assert local_date(datetime(2027, 1, 4, 23, 30, tzinfo=UTC), "UTC") == date(2027, 1, 4)


@pytest.mark.parametrize(
    "day", [date(2027, 1, 4), date(2027, 1, 5), date(2027, 1, 7), date(2027, 1, 10)]
)
def test_monday_of(day: date) -> None:
    assert monday_of(day) == date(2027, 1, 4)


def test_schedule_tz() -> None:
    assert schedule().tz == BERLIN
