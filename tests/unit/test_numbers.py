"""Locale-aware numbers and measurements of check-ins: a value or a Problem, never an error."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from hypothesis import example, given, settings
from hypothesis import strategies as st

from playbook.parsing.numbers import (
    MAX_NOTE,
    MAX_VALUE,
    Measurement,
    Problem,
    parse_measurement,
    parse_number,
    unit_group,
)

LANGS = ("de", "en")


# --- parse_number --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("6,5", "de", "6.5"),
        ("6.5", "en", "6.5"),
        ("6.5", "de", "6.5"),  # the other spelling as fallback
        ("6,5", "en", "6.5"),  # the other spelling as fallback
        ("1.000", "de", "1000"),  # German grouping
        ("1.000.000", "de", "1000000"),
        ("1,000", "en", "1000"),  # English grouping
        ("1.000,5", "de", "1000.5"),
        ("1,000.5", "en", "1000.5"),
        ("1.000,5", "en", "1000.5"),  # not English: read as German
        ("1,000.5", "de", "1000.5"),  # not German: read as English
        ("1.000", "en", "1"),  # English reading wins in an English pilot
        ("1,000", "de", "1"),  # German reading wins in a German pilot
        ("7", "de", "7"),
        ("0", "en", "0"),
        ("0,25", "de", "0.25"),
        (",5", "de", "0.5"),
        (".5", "en", "0.5"),
        ("  8  ", "de", "8"),
        ("+3", "en", "3"),
        ("-3", "de", "-3"),
        ("-6,5", "de", "-6.5"),
    ],
)
def test_parse_number(text: str, language: str, expected: str) -> None:
    value = parse_number(text, language)
    assert isinstance(value, Decimal), value
    assert value == Decimal(expected)


@pytest.mark.parametrize("language", LANGS)
@pytest.mark.parametrize(
    "text",
    [
        "acht",
        "eight",
        "",
        " ",
        "six and a half",
        "6 1/2",
        "1e5",
        "NaN",
        "Infinity",
        "inf",
        "0x10",
        "1.5.6",
        "12,34,56",
        "1..5",
        "1,,5",
        "6.5.",
        ".",
        ",",
        "-",
        "+",
        "--1",
        "1-",
        "1 000",
        "1'000",
        "€5",
        "5€",
        "½",
        "²",
    ],
)
def test_parse_number_refuses_non_numbers(text: str, language: str) -> None:
    result = parse_number(text, language)
    assert isinstance(result, Problem), result
    assert result.key == "checkin.not_a_number"
    assert result.params == {"value": text.strip()[:40]}


def test_parse_number_problem_value_is_truncated() -> None:
    result = parse_number("z" * 100, "en")
    assert isinstance(result, Problem)
    assert result.params["value"] == "z" * 40


# --- unit_group ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "group"),
    [
        ("d", "days"),
        ("Tage", "days"),
        ("tagen", "days"),
        ("DAYS", "days"),
        ("days", "days"),
        ("h", "hours"),
        ("Std.", "hours"),
        ("stunden", "hours"),
        ("min", "minutes"),
        ("%", "percent"),
        ("Prozent", "percent"),
        ("percent", "percent"),
        ("Stück", "count"),
        ("x", "count"),
        ("€", "euro"),
        ("EUR", "euro"),
        ("Punkte", None),
        ("weeks", "weeks"),
        ("Monate", "months"),
        ("", None),
    ],
)
def test_unit_group(word: str, group: str | None) -> None:
    assert unit_group(word) == group


# --- parse_measurement ---------------------------------------------------------------------


def measurement(text: str, unit: str, language: str) -> Measurement:
    result = parse_measurement(text, unit, language)
    assert isinstance(result, Measurement), result
    return result


def problem(text: str, unit: str, language: str) -> Problem:
    result = parse_measurement(text, unit, language)
    assert isinstance(result, Problem), result
    return result


@pytest.mark.parametrize(
    ("text", "unit", "language", "value", "unit_word", "note"),
    [
        ("6,5", "days", "de", "6.5", None, ""),
        ("6.5", "days", "en", "6.5", None, ""),
        ("6.5", "Tage", "de", "6.5", None, ""),
        ("6,5", "days", "en", "6.5", None, ""),
        ("6,5 Tage", "Tage", "de", "6.5", "Tage", ""),
        ("6,5 tage", "days", "de", "6.5", "tage", ""),
        ("6.5 days", "Tage", "en", "6.5", "days", ""),
        ("7,5Tage", "days", "de", "7.5", "Tage", ""),
        ("7,5Tage schneller als gedacht", "Tage", "de", "7.5", "Tage", "schneller als gedacht"),
        ("30%", "%", "de", "30", "%", ""),
        ("30%", "percent", "en", "30", "%", ""),
        ("30 %", "Prozent", "de", "30", "%", ""),
        ("100%", "%", "en", "100", "%", ""),
        ("6,5 neue Werkstatt", "days", "de", "6.5", None, "neue Werkstatt"),
        ("6.5 days after the new form", "days", "en", "6.5", "days", "after the new form"),
        ("42 Punkte gut", "Punkte", "de", "42", "Punkte", "gut"),
        ("42 punkte", "Punkte", "de", "42", "punkte", ""),
        ("1.000 €", "EUR", "de", "1000", "€", ""),
        ("0", "count", "en", "0", None, ""),
        ("1000000", "count", "en", "1000000", None, ""),
        ("  8 d  ", "days", "en", "8", "d", ""),
    ],
)
def test_parse_measurement(
    text: str, unit: str, language: str, value: str, unit_word: str | None, note: str
) -> None:
    result = measurement(text, unit, language)
    assert result == Measurement(value=Decimal(value), unit_word=unit_word, note=note)


@pytest.mark.parametrize("language", LANGS)
@pytest.mark.parametrize("text", ["acht", "eight", "acht Tage", "eight days", "sechs,5"])
def test_measurement_word_number_is_refused(text: str, language: str) -> None:
    assert problem(text, "days", language).key == "checkin.not_a_number"


@pytest.mark.parametrize("language", LANGS)
@pytest.mark.parametrize("text", ["", "   "])
def test_measurement_missing_value(text: str, language: str) -> None:
    assert problem(text, "days", language) == Problem("checkin.missing_value")


@pytest.mark.parametrize("text", ["-1", "-0,5 Tage", "-3 days late"])
def test_measurement_negative(text: str) -> None:
    result = problem(text, "days", "de")
    assert result.key == "checkin.negative"
    assert result.params == {"value": text.split(" ")[0]}


@pytest.mark.parametrize(
    ("text", "language"),
    [("1000001", "en"), ("1.000.001", "de"), ("1,000,001", "en"), ("2000000 days", "en")],
)
def test_measurement_above_max(text: str, language: str) -> None:
    assert Decimal(1_000_000) == MAX_VALUE
    result = problem(text, "days", language)
    assert result.key == "checkin.out_of_range"
    assert result.params == {"value": text.split(" ")[0]}


@pytest.mark.parametrize("unit", ["%", "percent", "Prozent"])
@pytest.mark.parametrize("text", ["101", "100,5", "150%", "101 %"])
def test_measurement_percent_above_100(text: str, unit: str) -> None:
    assert problem(text, unit, "de").key == "checkin.out_of_range"


def test_measurement_over_100_is_fine_outside_percent() -> None:
    assert measurement("150", "days", "en").value == Decimal(150)


@pytest.mark.parametrize(
    ("text", "unit", "given"),
    [
        ("7,5 h", "days", "h"),
        ("7,5h", "Tage", "h"),
        ("7,5 Stunden", "days", "Stunden"),
        ("30%", "days", "%"),
        ("30 min", "hours", "min"),
        ("8 Tage", "%", "Tage"),
        ("3 €", "count", "€"),
        ("3 h", "Punkte", "h"),
    ],
)
def test_measurement_wrong_unit(text: str, unit: str, given: str) -> None:
    assert problem(text, unit, "de") == Problem(
        "checkin.wrong_unit", {"given": given, "unit": unit}
    )


def test_measurement_note_length() -> None:
    ok = measurement("6,5 " + "n" * MAX_NOTE, "days", "de")
    assert ok.note == "n" * MAX_NOTE
    too_long = problem("6,5 " + "n" * (MAX_NOTE + 1), "days", "de")
    assert too_long == Problem("checkin.note_too_long", {"max": str(MAX_NOTE)})


def test_measurement_note_after_unit_length() -> None:
    ok = measurement("6,5 Tage " + "n" * MAX_NOTE, "days", "de")
    assert ok.unit_word == "Tage"
    assert problem("6,5 Tage " + "n" * (MAX_NOTE + 1), "days", "de").key == (
        "checkin.note_too_long"
    )


# --- properties ----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=80), language=st.sampled_from(LANGS))
def test_parse_number_never_raises(text: str, language: str) -> None:
    result = parse_number(text, language)
    assert isinstance(result, Decimal | Problem)
    if isinstance(result, Decimal):
        assert result.is_finite()
    else:
        assert result.key == "checkin.not_a_number"


@settings(max_examples=300, deadline=None)
@given(
    text=st.from_regex(r"\A[+-]?[0-9.,]{1,12}\Z"),
    language=st.sampled_from(LANGS),
)
def test_parse_number_never_raises_on_number_like_text(text: str, language: str) -> None:
    result = parse_number(text, language)
    assert isinstance(result, Decimal | Problem)


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(max_size=120),
    unit=st.sampled_from(["days", "Tage", "%", "h", "count", "Punkte", "€", ""]) | st.text(),
    language=st.sampled_from(LANGS),
)
def test_parse_measurement_never_raises(text: str, unit: str, language: str) -> None:
    result = parse_measurement(text, unit, language)
    assert isinstance(result, Measurement | Problem)
    if isinstance(result, Measurement):
        assert 0 <= result.value <= MAX_VALUE
        assert len(result.note) <= MAX_NOTE


@settings(max_examples=300, deadline=None)
@given(
    value=st.decimals(
        min_value=-(10**9), max_value=10**9, places=3, allow_nan=False, allow_infinity=False
    ),
    language=st.sampled_from(LANGS),
)
@example(value=Decimal("1234.5"), language="de")  # "1.234,5"
@example(value=Decimal("1234.5"), language="en")  # "1,234.5"
@example(value=Decimal("1000"), language="de")  # "1.000"
@example(value=Decimal("1.5"), language="en")
@example(value=Decimal("-6.5"), language="de")
@example(value=Decimal("1000000.001"), language="de")
def test_babel_formatted_number_round_trips(value: Decimal, language: str) -> None:
    text = format_decimal(value, locale=language)
    parsed = parse_number(text, language)
    assert isinstance(parsed, Decimal), (text, parsed)
    assert parsed == value, text


@settings(max_examples=200, deadline=None)
@given(
    value=st.decimals(min_value=0, max_value=MAX_VALUE, places=2),
    language=st.sampled_from(LANGS),
    unit=st.sampled_from(["days", "Tage", "h", "count"]),
    note=st.text(st.characters(categories=["L"]), max_size=30),
)
def test_babel_formatted_measurement_round_trips(
    value: Decimal, language: str, unit: str, note: str
) -> None:
    text = f"{format_decimal(value, locale=language)} {unit} {note}"
    result = parse_measurement(text, unit, language)
    assert isinstance(result, Measurement), (text, result)
    assert result.value == value
    assert result.unit_word == unit
    assert result.note == note.strip()


@pytest.mark.parametrize("text", ["1e9", "0x10", "2e", "7days2"])
def test_glued_letters_that_are_no_unit_are_not_a_number(text: str) -> None:
    result = parse_measurement(text, "days", "en")
    assert isinstance(result, Problem) and result.key == "checkin.not_a_number"


def test_weeks_for_a_metric_in_days_is_the_wrong_unit() -> None:
    assert parse_measurement("5 weeks", "days", "en") == Problem(
        "checkin.wrong_unit", {"given": "weeks", "unit": "days"}
    )
    assert parse_measurement("5 Wochen", "Tage", "de") == Problem(
        "checkin.wrong_unit", {"given": "Wochen", "unit": "Tage"}
    )
