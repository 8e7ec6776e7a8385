"""Message catalogs: same keys and placeholders in both languages, locale numbers, plurals."""

from __future__ import annotations

import re
import string
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import playbook
from bot.catalog import LANGUAGES, CatalogError, Texts, _load, keys, texts
from playbook.parsing.commands import KEYWORDS, parse_command
from playbook.parsing.numbers import Problem, parse_measurement
from playbook.roles import FailureMode, Role
from playbook.rules import check_metric_add, check_process_add, check_process_pick

FORMATTER = string.Formatter()


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in FORMATTER.parse(template) if field is not None}


def entry_placeholders(entry: Any) -> dict[str, set[str]]:
    """Placeholders per form: ``{"": …}`` for a plain entry, one per plural form otherwise."""
    if isinstance(entry, dict):
        return {form: placeholders(str(text)) for form, text in entry.items()}
    return {"": placeholders(str(entry))}


def test_languages() -> None:
    assert set(LANGUAGES) == {"de", "en"}


def test_en_and_de_have_the_same_keys() -> None:
    en, de = keys("en"), keys("de")
    assert en - de == set(), "missing in de.toml"
    assert de - en == set(), "missing in en.toml"
    assert len(en) > 50


def test_every_entry_is_a_valid_template() -> None:
    for language in LANGUAGES:
        for key, entry in _load(language).items():
            try:
                entry_placeholders(entry)
            except ValueError as exc:  # pragma: no cover - only on a broken catalog
                pytest.fail(f"{language}:{key}: {exc}")


def test_plural_entries_have_the_same_forms_and_an_other_form() -> None:
    en, de = _load("en"), _load("de")
    for key, entry in en.items():
        if isinstance(entry, dict) or isinstance(de[key], dict):
            assert isinstance(entry, dict), key
            assert isinstance(de[key], dict), key
            assert "other" in entry, key
            assert "other" in de[key], key
            assert set(entry) == set(de[key]), key


def test_en_and_de_have_the_same_placeholders() -> None:
    en, de = _load("en"), _load("de")
    mismatches = {
        key: (entry_placeholders(en[key]), entry_placeholders(de[key]))
        for key in en
        if entry_placeholders(en[key]) != entry_placeholders(de[key])
    }
    assert mismatches == {}


def test_plural_forms_share_placeholders_except_count() -> None:
    for language in LANGUAGES:
        for key, entry in _load(language).items():
            if isinstance(entry, dict):
                forms = [placeholders(str(t)) - {"count"} for t in entry.values()]
                assert all(f == forms[0] for f in forms), (language, key)


def test_entries_are_not_empty() -> None:
    for language in LANGUAGES:
        for key, entry in _load(language).items():
            texts_ = entry.values() if isinstance(entry, dict) else [entry]
            for text in texts_:
                assert isinstance(text, str), (language, key)
                if key != "task.overdue":
                    assert text.strip(), (language, key)


def test_german_and_english_are_different_languages() -> None:
    assert texts("de")("help.title") != texts("en")("help.title")


# --- keys the playbook and the bot rely on -------------------------------------------------

PLAYBOOK_DIR = Path(playbook.__file__).parent


def problem_keys_in_playbook_source() -> set[str]:
    found: set[str] = set()
    for path in PLAYBOOK_DIR.rglob("*.py"):
        found |= set(re.findall(r'Problem\(\s*"([a-z_]+\.[a-z_]+)"', path.read_text("utf-8")))
    return found


def test_every_problem_key_of_the_playbook_has_a_text() -> None:
    problem_keys = problem_keys_in_playbook_source()
    assert len(problem_keys) > 20
    for language in LANGUAGES:
        missing = problem_keys - keys(language)
        assert missing == set(), language


@pytest.mark.parametrize("language", LANGUAGES)
def test_structured_keys_exist(language: str) -> None:
    t = texts(language)
    expected = (
        [f"formula.mode.{m.value}" for m in FailureMode]
        + [f"formula.verdict.{m.value}" for m in FailureMode]
        + [f"role.{r.value}" for r in Role]
        + [f"weekday.{d}" for d in range(7)]
        + [f"help.{name}" for name in set(KEYWORDS.values())]
    )
    missing = [k for k in expected if not t.has(k)]
    assert missing == []


def _problems() -> list[Problem]:
    """Problems as the parsers and rules really produce them, with their real params."""
    inputs = [
        "x" * 2001,
        "start 2027-13-01",
        "start 2027-01-05",
        "assign",
        "assign boss @a",
        "done",
        "done 5 " + "n" * 300,
        "process add",
        "process add " + "n" * 100,
        "process add X hours=abc",
        'process add "X',
        "process pick x",
        "metric add",
        "metric add x d baseline=abc",
        "checkin",
        "settings",
        "forget",
    ]
    results: list[object] = [parse_command(text, "en") for text in inputs]
    results += [
        parse_measurement(text, "days", "en")
        for text in ["", "eight", "-1", "2000000", "3 h", "6 " + "n" * 600]
    ]
    results += [parse_measurement("101", "%", "en")]
    results += [
        check_process_add(["a"], "b", chosen=True),
        check_process_add(["a", "b", "c"], "d", chosen=False),
        check_process_add(["a"], "A", chosen=False),
        check_process_pick(0, 1, None),
        check_process_pick(2, 3, None),
        check_process_pick(2, 1, "a"),
        check_metric_add(["a"] * 5, "b", 1, None, lower=True),
        check_metric_add(["a"], "a", 1, None, lower=True),
        check_metric_add([], "b", 1, 2, lower=True),
    ]
    problems = [r for r in results if isinstance(r, Problem)]
    assert len(problems) == len(results)
    return problems


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("problem", _problems(), ids=lambda p: p.key)
def test_every_problem_formats_with_its_own_params(problem: Problem, language: str) -> None:
    text = texts(language)(problem.key, **problem.params)
    assert "{" not in text
    for value in problem.params.values():
        assert value[:20] in text


def test_permission_text_lists_roles() -> None:
    for language in LANGUAGES:
        t = texts(language)
        roles = ", ".join(t(f"role.{r.value}") for r in (Role.CHAMPION, Role.MODELER))
        assert roles in t("permission.denied", roles=roles)


# --- Texts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "value", "digits", "expected"),
    [
        ("de", 6.5, 1, "6,5"),
        ("en", 6.5, 1, "6.5"),
        ("de", Decimal("6.5"), 1, "6,5"),
        ("de", 1234.5, 1, "1.234,5"),
        ("en", 1234.5, 1, "1,234.5"),
        ("de", 8.0, 1, "8"),
        ("en", 8, 1, "8"),
        ("de", 2 / 3, 2, "0,67"),
        ("en", 2 / 3, 2, "0.67"),
        ("de", 6.5, 0, "6"),  # half to even
        ("en", 7.5, 0, "8"),
        ("de", None, 1, "–"),
        ("en", None, 1, "–"),
        ("de", 1_000_000, 1, "1.000.000"),
    ],
)
def test_number_per_locale(
    language: str, value: float | Decimal | None, digits: int, expected: str
) -> None:
    assert texts(language).number(value, digits) == expected


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [
        ("de", -25.0, "−25 %"),
        ("en", 33.33, "+33 %"),
        ("en", 0.0, "±0 %"),
        ("de", None, "–"),
        ("de", 1250.0, "+1.250 %"),
    ],
)
def test_signed_percent(language: str, value: float | None, expected: str) -> None:
    assert texts(language).signed_percent(value) == expected


def test_date_per_locale() -> None:
    assert texts("de").date(date(2027, 1, 4)) == "04.01.2027"
    assert texts("en").date(date(2027, 1, 4)) == "Jan 4, 2027"


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("en", 1, "(ignored the last nudge)"),
        ("en", 2, "(ignored the last 2 nudges)"),
        ("en", 0, "(ignored the last 0 nudges)"),
        ("de", 1, "(hat die letzte Erinnerung ignoriert)"),
        ("de", 3, "(hat die letzten 3 Erinnerungen ignoriert)"),
    ],
)
def test_plural_selection(language: str, count: int, expected: str) -> None:
    assert texts(language)("role.silent", count=count) == expected


def test_plural_with_other_params() -> None:
    en = texts("en")
    assert en("done.ok", number=5, title="Map", count=1) == (
        "Done: [5] Map. 1 task left for your role."
    )
    assert en("done.ok", number=5, title="Map", count=4) == (
        "Done: [5] Map. 4 tasks left for your role."
    )
    de = texts("de")
    assert de("status.no_workflow", count=1) == "noch nicht gewählt (1 Kandidat)"
    assert de("status.no_workflow", count=2) == "noch nicht gewählt (2 Kandidaten)"
    assert "0" not in de("status.no_candidates")  # no "(0 Kandidaten)": what to do instead


def test_plain_entry_formats_params() -> None:
    assert texts("en")("week.label", week=3, last=12) == "Week 3/12"
    assert texts("de")("week.label", week=3, last=12) == "Woche 3/12"


def test_missing_key_and_param() -> None:
    with pytest.raises(CatalogError):
        texts("en")("no.such.key")
    with pytest.raises(KeyError):
        texts("de")("week.label", week=3)


def test_unknown_language() -> None:
    with pytest.raises(CatalogError):
        Texts("fr")
    with pytest.raises(CatalogError):
        keys("xx")


def test_texts_is_cached_per_language() -> None:
    assert texts("de") is texts("de")
    assert texts("de").language == "de"
    assert texts("en").has("help.title")
    assert not texts("en").has("help")
