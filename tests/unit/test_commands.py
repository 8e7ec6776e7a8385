"""The chat command grammar of CONTRACT.md, in English and German, and its refusals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from playbook.parsing.commands import (
    KEYWORDS,
    MAX_FIELD,
    MAX_MESSAGE,
    MAX_NAME,
    Announce,
    Assign,
    Checkin,
    Command,
    Done,
    Forget,
    Help,
    MetricAdd,
    MetricToken,
    NextCycle,
    ProcessAdd,
    ProcessPick,
    Results,
    Settings,
    Start,
    Status,
    Tasks,
    Unknown,
    normalise,
    parse_command,
    split_keyword,
)
from playbook.parsing.numbers import Problem
from playbook.roles import ROLE_WORDS, Role

LANGS = ("de", "en")


def parse(text: str, language: str = "en") -> Command | Problem:
    return parse_command(text, language)


def problem_key(result: Command | Problem) -> str:
    assert isinstance(result, Problem), f"expected a Problem, got {result!r}"
    return result.key


# --- start ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGS)
@pytest.mark.parametrize("word", ["start", "Start", "START", "starten"])
def test_start_without_date(word: str, language: str) -> None:
    assert parse(word, language) == Start(None)


@pytest.mark.parametrize("language", LANGS)
@pytest.mark.parametrize("word", ["start", "starten"])
def test_start_with_monday(word: str, language: str) -> None:
    assert parse(f"{word} 2027-01-04", language) == Start(date(2027, 1, 4))


def test_start_ignores_words_after_the_date() -> None:
    assert parse("start 2027-03-22 please") == Start(date(2027, 3, 22))


@pytest.mark.parametrize(
    ("value", "weekday"),
    [("2027-01-05", "Tue"), ("2027-01-09", "Sat"), ("2027-01-10", "Sun"), ("2027-03-26", "Fri")],
)
def test_start_on_other_weekday_is_refused(value: str, weekday: str) -> None:
    result = parse(f"start {value}")
    assert result == Problem("start.not_monday", {"value": value}), weekday


@pytest.mark.parametrize(
    "value", ["2027-13-01", "2027-02-30", "04.01.2027", "tomorrow", "morgen", "2027/01/04"]
)
def test_start_with_bad_date(value: str) -> None:
    result = parse(f"start {value}")
    assert problem_key(result) == "start.bad_date"
    assert isinstance(result, Problem)
    assert result.params["value"] == value


def test_start_bad_date_value_is_truncated() -> None:
    result = parse("start " + "x" * 100)
    assert isinstance(result, Problem)
    assert result.key == "start.bad_date"
    assert len(result.params["value"]) == 40


# --- assign --------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGS)
@pytest.mark.parametrize("keyword", ["assign", "zuweisen", "Assign", "ZUWEISEN"])
@pytest.mark.parametrize(("word", "role"), sorted(ROLE_WORDS.items()))
def test_assign_every_role_word(keyword: str, word: str, role: Role, language: str) -> None:
    assert parse(f"{keyword} {word} @anna", language) == Assign(role=role, target="@anna")


@pytest.mark.parametrize(
    ("word", "role"),
    [
        ("champion", Role.CHAMPION),
        ("modeler", Role.MODELER),
        ("integrator", Role.INTEGRATOR),
        ("modellierer", Role.MODELER),
        ("Modellierer", Role.MODELER),
        ("INTEGRATOR", Role.INTEGRATOR),
    ],
)
def test_assign_contract_role_words(word: str, role: Role) -> None:
    assert parse(f"zuweisen {word} @olaf", "de") == Assign(role=role, target="@olaf")


def test_assign_keeps_platform_mention_raw() -> None:
    assert parse("assign integrator <@U0123ABC>") == Assign(Role.INTEGRATOR, "<@U0123ABC>")


@pytest.mark.parametrize("text", ["assign", "assign champion", "zuweisen champion @a @b"])
def test_assign_usage(text: str) -> None:
    assert parse(text) == Problem("assign.usage")


@pytest.mark.parametrize("word", ["boss", "chef", "admin"])
def test_assign_unknown_role(word: str) -> None:
    assert parse(f"assign {word} @anna") == Problem("assign.unknown_role", {"value": word})


# --- no-argument commands ------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGS)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("status", Status()),
        ("stand", Status()),
        ("Stand", Status()),
        ("tasks", Tasks()),
        ("aufgaben", Tasks()),
        ("results", Results()),
        ("ergebnisse", Results()),
        ("metric token", MetricToken()),
        ("kennzahl token", MetricToken()),
        ("Kennzahl Token", MetricToken()),
        ("next cycle", NextCycle()),
        ("nächster zyklus", NextCycle()),
        ("Nächster Zyklus", NextCycle()),
        ("naechster zyklus", NextCycle()),
        ("help", Help()),
        ("hilfe", Help()),
        ("?", Help()),
    ],
)
def test_commands_without_arguments(text: str, expected: Command, language: str) -> None:
    assert parse(text, language) == expected


def test_no_argument_commands_ignore_trailing_words() -> None:
    assert parse("status please") == Status()
    assert parse("aufgaben bitte", "de") == Tasks()


# --- done ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGS)
@pytest.mark.parametrize("keyword", ["done", "erledigt"])
def test_done_by_number_and_id(keyword: str, language: str) -> None:
    assert parse(f"{keyword} 5", language) == Done(task="5", note="")
    assert parse(f"{keyword} map-processes", language) == Done(task="map-processes")


@pytest.mark.parametrize("keyword", ["done", "erledigt"])
def test_done_with_note(keyword: str) -> None:
    assert parse(f"{keyword} 5 all three   mapped ") == Done(task="5", note="all three mapped")


@pytest.mark.parametrize("keyword", ["done", "erledigt"])
def test_done_without_task(keyword: str) -> None:
    assert parse(keyword) == Problem("done.usage")


def test_done_note_too_long() -> None:
    assert parse("done 5 " + "n" * MAX_FIELD) == Done("5", "n" * MAX_FIELD)
    result = parse("done 5 " + "n" * (MAX_FIELD + 1))
    assert result == Problem("error.field_too_long", {"max": str(MAX_FIELD)})


# --- process add ---------------------------------------------------------------------------


def test_process_add_with_key_values_en() -> None:
    result = parse('process add "Repair triage" inputs=e-mails outputs="a ticket" hours=12')
    assert result == ProcessAdd(
        name="Repair triage", inputs="e-mails", outputs="a ticket", hours_per_week=Decimal(12)
    )


def test_process_add_with_key_values_de() -> None:
    result = parse(
        "prozess neu Reparaturanfragen sortieren eingaben=E-Mails ergebnisse=Ticket stunden=12,5",
        "de",
    )
    assert result == ProcessAdd(
        name="Reparaturanfragen sortieren",
        inputs="E-Mails",
        outputs="Ticket",
        hours_per_week=Decimal("12.5"),
    )


@pytest.mark.parametrize(
    ("key", "field"),
    [
        ("inputs", "inputs"),
        ("input", "inputs"),
        ("in", "inputs"),
        ("eingaben", "inputs"),
        ("Eingabe", "inputs"),
        ("outputs", "outputs"),
        ("output", "outputs"),
        ("out", "outputs"),
        ("ausgaben", "outputs"),
        ("ergebnis", "outputs"),
        ("ERGEBNISSE", "outputs"),
    ],
)
def test_process_add_key_aliases(key: str, field: str) -> None:
    result = parse(f"prozess neu Ablauf {key}=wert")
    assert isinstance(result, ProcessAdd)
    assert result.name == "Ablauf"
    assert getattr(result, field) == "wert"


@pytest.mark.parametrize("key", ["hours", "h", "stunden", "std", "Stunden"])
def test_process_add_hours_aliases(key: str) -> None:
    result = parse(f"process add X {key}=4")
    assert isinstance(result, ProcessAdd)
    assert result.hours_per_week == Decimal(4)


def test_process_add_without_optional_fields() -> None:
    assert parse("process add Invoice matching") == ProcessAdd(name="Invoice matching")


def test_process_add_unknown_key_is_part_of_name() -> None:
    result = parse("process add Triage foo=bar")
    assert isinstance(result, ProcessAdd)
    assert result.name == "Triage foo=bar"


@pytest.mark.parametrize(
    ("hours", "language", "expected"),
    [
        ("12.5", "en", Decimal("12.5")),
        ("12,5", "en", Decimal("12.5")),
        ("12,5", "de", Decimal("12.5")),
        ("12.5", "de", Decimal("12.5")),
        ("0", "en", Decimal(0)),
        ("168", "de", Decimal(168)),
    ],
)
def test_process_add_hours_numbers(hours: str, language: str, expected: Decimal) -> None:
    result = parse(f"process add X hours={hours}", language)
    assert isinstance(result, ProcessAdd)
    assert result.hours_per_week == expected


@pytest.mark.parametrize("hours", ["abc", "zwölf", "-1", "168.5", "169", "200", "1e3", ""])
@pytest.mark.parametrize("language", LANGS)
def test_process_add_bad_hours(hours: str, language: str) -> None:
    result = parse(f"process add X hours={hours}", language)
    assert result == Problem("process.bad_hours", {"value": hours})


@pytest.mark.parametrize("text", ["process add", "prozess neu", "process add hours=3"])
def test_process_add_without_name(text: str) -> None:
    assert parse(text) == Problem("process.usage")


def test_process_add_name_too_long() -> None:
    assert isinstance(parse("process add " + "n" * MAX_NAME), ProcessAdd)
    result = parse("process add " + "n" * (MAX_NAME + 1))
    assert result == Problem("error.name_too_long", {"max": str(MAX_NAME)})


def test_process_add_field_too_long() -> None:
    result = parse("process add X inputs=" + "i" * (MAX_FIELD + 1))
    assert result == Problem("error.field_too_long", {"max": str(MAX_FIELD)})


def test_process_add_unbalanced_quotes() -> None:
    assert parse('process add "Repair triage inputs=mail') == Problem("error.unbalanced_quotes")


@pytest.mark.parametrize(
    "text",
    [
        "process add “Repair triage” outputs=“a ticket”",
        "prozess neu „Repair triage“ ergebnisse=„a ticket“",
    ],
)
def test_process_add_smart_quotes(text: str) -> None:
    result = parse(text)
    assert isinstance(result, ProcessAdd)
    assert result.name == "Repair triage"
    assert result.outputs == "a ticket"


# --- process pick --------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGS)
@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("process pick 2", 2),
        ("process pick #3", 3),
        ("prozess wählen 1", 1),
        ("Prozess Wählen #2", 2),
        ("prozess waehlen 3", 3),
        ("process pick 99", 99),
    ],
)
def test_process_pick(text: str, number: int, language: str) -> None:
    assert parse(text, language) == ProcessPick(number)


@pytest.mark.parametrize("rest", ["", "0", "100", "x", "-1", "1.5", "two", "1 2", "#", "+1"])
def test_process_pick_usage(rest: str) -> None:
    assert parse(f"process pick {rest}") == Problem("process.pick_usage")
    assert parse(f"prozess wählen {rest}", "de") == Problem("process.pick_usage")


def test_process_alone_is_unknown() -> None:
    assert parse("process") == Unknown("process")
    assert parse("prozess 3", "de") == Unknown("prozess")


@pytest.mark.parametrize("text", ["process pick ²", "prozess wählen ³"])
def test_process_pick_superscript_digit_is_refused_not_raised(text: str) -> None:
    assert parse(text) == Problem("process.pick_usage")


# --- metric add ----------------------------------------------------------------------------


def test_metric_add_en_quoted_name_target_lower() -> None:
    result = parse('metric add "repair time" days baseline=8 target=6 lower')
    assert result == MetricAdd(
        name="repair time",
        unit="days",
        baseline=Decimal(8),
        target=Decimal(6),
        lower_is_better=True,
        direction_given=True,
    )


def test_metric_add_de_smart_quoted_name() -> None:
    result = parse("kennzahl neu „Dauer der Reparatur“ Tage basis=8 ziel=6,5 niedriger", "de")
    assert result == MetricAdd(
        name="Dauer der Reparatur",
        unit="Tage",
        baseline=Decimal(8),
        target=Decimal("6.5"),
        lower_is_better=True,
        direction_given=True,
    )


def test_metric_add_en_curly_quotes() -> None:
    result = parse("metric add “first time fix rate” % baseline=60 target=80 higher")
    assert result == MetricAdd(
        name="first time fix rate",
        unit="%",
        baseline=Decimal(60),
        target=Decimal(80),
        lower_is_better=False,
        direction_given=True,
    )


def test_metric_add_unquoted_multi_word_name() -> None:
    result = parse("metric add repair time days baseline=8")
    assert isinstance(result, MetricAdd)
    assert (result.name, result.unit) == ("repair time", "days")
    assert result.target is None


@pytest.mark.parametrize(
    ("word", "lower"),
    [
        ("lower", True),
        ("niedriger", True),
        ("weniger", True),
        ("LOWER", True),
        ("higher", False),
        ("höher", False),
        ("hoeher", False),
        ("mehr", False),
        ("Höher", False),
    ],
)
def test_metric_add_direction_words(word: str, lower: bool) -> None:
    result = parse(f"kennzahl neu NPS Punkte basis=30 {word}", "de")
    assert isinstance(result, MetricAdd)
    assert result.lower_is_better is lower
    assert result.name == "NPS"
    assert result.unit == "Punkte"


def test_metric_add_default_direction_is_lower() -> None:
    result = parse("metric add errors count baseline=12")
    assert isinstance(result, MetricAdd)
    assert result.lower_is_better is True


def test_metric_add_direction_word_anywhere() -> None:
    result = parse("metric add higher nps points baseline=30 target=50")
    assert isinstance(result, MetricAdd)
    assert (result.name, result.unit, result.lower_is_better) == ("nps", "points", False)


@pytest.mark.parametrize("key", ["baseline", "basis", "ausgangswert", "Baseline"])
def test_metric_add_baseline_aliases(key: str) -> None:
    result = parse(f"metric add x days {key}=3")
    assert isinstance(result, MetricAdd)
    assert result.baseline == Decimal(3)


@pytest.mark.parametrize("key", ["target", "ziel", "zielwert"])
def test_metric_add_target_aliases(key: str) -> None:
    result = parse(f"metric add x days baseline=3 {key}=2")
    assert isinstance(result, MetricAdd)
    assert result.target == Decimal(2)


@pytest.mark.parametrize(
    ("text", "language", "baseline"),
    [
        ("metric add x days baseline=7.5", "en", Decimal("7.5")),
        ("metric add x days baseline=7,5", "en", Decimal("7.5")),
        ("kennzahl neu x Tage basis=7,5", "de", Decimal("7.5")),
        ("kennzahl neu x Tage basis=7.5", "de", Decimal("7.5")),
        ("kennzahl neu x Euro basis=1.000", "de", Decimal(1000)),
    ],
)
def test_metric_add_locale_numbers(text: str, language: str, baseline: Decimal) -> None:
    result = parse(text, language)
    assert isinstance(result, MetricAdd)
    assert result.baseline == baseline


@pytest.mark.parametrize(
    "text",
    [
        "metric add",
        "metric add x days",
        "metric add x days target=3",
        "metric add x baseline=3",
        "kennzahl neu Reparaturzeit basis=8",
        "kennzahl neu basis=8 ziel=6",
        "metric add lower days baseline=3",
    ],
)
def test_metric_add_usage(text: str) -> None:
    assert parse(text) == Problem("metric.usage")


@pytest.mark.parametrize(
    ("rest", "field", "value"),
    [
        ("baseline=abc", "baseline", "abc"),
        ("baseline=acht", "baseline", "acht"),
        ("baseline=-1", "baseline", "-1"),
        ("baseline=8 target=sechs", "target", "sechs"),
        ("baseline=8 target=-2", "target", "-2"),
    ],
)
def test_metric_add_bad_number(rest: str, field: str, value: str) -> None:
    result = parse(f"metric add x days {rest}")
    assert result == Problem(f"metric.bad_{field}", {"value": value})


def test_metric_add_name_and_unit_length() -> None:
    long_name = "n" * (MAX_NAME + 1)
    assert problem_key(parse(f'metric add "{long_name}" days baseline=1')) == (
        "error.name_too_long"
    )
    assert problem_key(parse(f"metric add x {'u' * 21} baseline=1")) == "metric.unit_too_long"
    assert isinstance(parse(f"metric add x {'u' * 20} baseline=1"), MetricAdd)


def test_metric_add_unbalanced_quotes() -> None:
    assert parse('metric add "repair time days baseline=8') == Problem("error.unbalanced_quotes")


# --- checkin -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGS)
@pytest.mark.parametrize("keyword", ["checkin", "check-in", "meldung", "Meldung", "CHECKIN"])
def test_checkin_keeps_the_rest_raw(keyword: str, language: str) -> None:
    result = parse(f"{keyword} repair time 6,5 Tage  quick fix", language)
    assert result == Checkin("repair time 6,5 Tage quick fix")


@pytest.mark.parametrize("keyword", ["checkin", "meldung"])
def test_checkin_without_arguments(keyword: str) -> None:
    assert parse(keyword) == Problem("checkin.usage")


# --- announce, settings, forget ------------------------------------------------------------


@pytest.mark.parametrize("keyword", ["announce", "verkünden", "verkuenden", "Verkünden"])
def test_announce(keyword: str) -> None:
    assert parse(keyword) == Announce(None)
    assert parse(f"{keyword} #allgemein now") == Announce("#allgemein")
    assert parse(f"{keyword} <#C123|general>") == Announce("<#C123|general>")


@pytest.mark.parametrize("keyword", ["settings", "einstellungen", "Einstellungen"])
def test_settings_key_values(keyword: str) -> None:
    result = parse(f"{keyword} tz=Europe/Berlin day=mon time=09:00 lang=de region=DE-BY")
    assert result == Settings(
        {"tz": "Europe/Berlin", "day": "mon", "time": "09:00", "lang": "de", "region": "DE-BY"}
    )


def test_settings_german_keys_are_kept_lower_case() -> None:
    result = parse("einstellungen Zone=Europe/Vienna TAG=di Zeit=08:30 sprache=de", "de")
    assert result == Settings(
        {"zone": "Europe/Vienna", "tag": "di", "zeit": "08:30", "sprache": "de"}
    )


@pytest.mark.parametrize(
    "rest", ["", "tz", "tz=", "tz=UTC day", "tz=UTC something", "Europe/Berlin"]
)
def test_settings_usage(rest: str) -> None:
    assert parse(f"settings {rest}") == Problem("settings.usage")
    assert parse(f"einstellungen {rest}", "de") == Problem("settings.usage")


@pytest.mark.parametrize("keyword", ["forget", "vergessen"])
def test_forget(keyword: str) -> None:
    assert parse(f"{keyword} @anna") == Forget("@anna")
    assert parse(f"{keyword} <@U42> extra") == Forget("<@U42>")
    assert parse(keyword) == Problem("forget.usage")


# --- help, unknown, empty, long, normalisation ---------------------------------------------


@pytest.mark.parametrize("language", LANGS)
@pytest.mark.parametrize("text", ["", "   ", "\n\t", "/pilot", "/pilot   ", "\u00a0"])
def test_empty_text_is_help(text: str, language: str) -> None:
    assert parse(text, language) == Help()


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("foo", "foo"),
        ("Hallo Bot", "Hallo"),
        ("process", "process"),
        ("metric", "metric"),
        ("kennzahl", "kennzahl"),
        ("next", "next"),
        ("x" * 100, "x" * 40),
    ],
)
def test_unknown_word(text: str, word: str) -> None:
    assert parse(text) == Unknown(word)


def test_message_too_long() -> None:
    text = "checkin repair time 6 " + "x" * MAX_MESSAGE
    assert parse(text) == Problem("error.too_long", {"max": str(MAX_MESSAGE)})
    assert parse("x" * (MAX_MESSAGE + 1), "de") == Problem("error.too_long", {"max": "2000"})


def test_message_at_limit_is_parsed() -> None:
    text = "checkin " + "x" * (MAX_MESSAGE - len("checkin "))
    assert len(text) == MAX_MESSAGE
    assert isinstance(parse(text), Checkin)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/pilot status", Status()),
        ("/PILOT stand", Status()),
        ("/pilot   aufgaben", Tasks()),
        ("/pilot assign champion @anna", Assign(Role.CHAMPION, "@anna")),
        ("  /pilot  start   2027-01-04  ", Start(date(2027, 1, 4))),
    ],
)
def test_pilot_prefix_is_stripped(text: str, expected: Command) -> None:
    assert parse(text) == expected


def test_whitespace_is_collapsed() -> None:
    assert parse("  assign\tchampion \n @anna ") == Assign(Role.CHAMPION, "@anna")
    assert parse("next\u00a0cycle") == NextCycle()
    assert parse("nächster   zyklus") == NextCycle()


def test_normalise() -> None:
    assert normalise("“a”  „b“ ‚c‘ ’d’") == "\"a\" \"b\" 'c' 'd'"
    assert normalise("/pilot  help ") == "help"


def test_split_keyword_prefers_two_word_phrase() -> None:
    assert split_keyword("metric token") == ("metric_token", "metric token", "")
    assert split_keyword("Metric Add x y") == ("metric_add", "Metric Add", "x y")
    assert split_keyword("checkin metric 5") == ("checkin", "checkin", "metric 5")
    assert split_keyword("frob x") == (None, "frob", "x")


def test_every_keyword_parses_to_something_other_than_unknown() -> None:
    for keyword in KEYWORDS:
        for language in LANGS:
            result = parse(keyword, language)
            assert not isinstance(result, Unknown), keyword


# --- properties ----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300), language=st.sampled_from(LANGS))
def test_parse_command_never_raises(text: str, language: str) -> None:
    result = parse_command(text, language)
    assert isinstance(result, Problem) or result is not None


@settings(max_examples=400, deadline=None)
@given(
    keyword=st.sampled_from(sorted(KEYWORDS)),
    rest=st.text(st.characters(blacklist_categories=["Cs"]), max_size=120),
    language=st.sampled_from(LANGS),
)
def test_parse_command_after_keyword_never_raises(keyword: str, rest: str, language: str) -> None:
    result = parse_command(f"{keyword} {rest}", language)
    assert not isinstance(result, Unknown)


@settings(max_examples=100, deadline=None)
@example(rest="²")
@given(rest=st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=3))
def test_process_pick_with_any_digit_like_text_never_raises(rest: str) -> None:
    result = parse_command(f"process pick {rest}", "en")
    assert isinstance(result, ProcessPick | Problem)


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(st.characters(blacklist_categories=["Cs"]), max_size=3000),
    language=st.sampled_from(LANGS),
)
def test_long_input_always_refused_short_never(text: str, language: str) -> None:
    result = parse_command(text, language)
    too_long = isinstance(result, Problem) and result.key == "error.too_long"
    assert too_long is (len(text) > MAX_MESSAGE)


def test_apostrophes_in_names_are_words_not_quotes() -> None:
    assert parse("process add Customer's requests hours=2") == ProcessAdd(
        name="Customer's requests", hours_per_week=Decimal(2)
    )
    assert parse("process add Customer’s requests") == ProcessAdd(name="Customer's requests")


def test_setting_without_key_is_refused() -> None:
    assert parse("settings =mon") == Problem("settings.usage")


def test_metric_unit_too_long_has_its_own_reason() -> None:
    assert parse("metric add x " + "u" * 21 + " baseline=1") == Problem(
        "metric.unit_too_long", {"max": "20"}
    )
