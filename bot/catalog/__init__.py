"""Message catalogs (``de.toml``, ``en.toml``): every user-visible text under a stable key.

A plain entry is a ``str.format`` template; a plural entry is a table (``one``, ``other``)
chosen by Babel's plural rule for the ``count`` parameter. Numbers are formatted with Babel.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from importlib import resources
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

LANGUAGES: tuple[str, ...] = ("de", "en")


class CatalogError(KeyError):
    pass


@functools.cache
def _load(language: str) -> dict[str, Any]:
    if language not in LANGUAGES:
        raise CatalogError(f"no catalog for {language!r}")
    text = resources.files(__package__).joinpath(f"{language}.toml").read_text("utf-8")
    flat: dict[str, Any] = {}

    def walk(prefix: str, node: Mapping[str, Any]) -> None:
        for key, value in node.items():
            name = f"{prefix}{key}"
            if isinstance(value, dict) and not ({"one", "other"} >= value.keys() and value):
                walk(name + ".", value)
            else:
                flat[name] = value

    walk("", tomllib.loads(text))
    return flat


def keys(language: str) -> set[str]:
    return set(_load(language))


class Texts:
    """Text lookup and formatting for one language."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._entries = _load(language)
        self._locale = Locale.parse(language)

    def __call__(self, key: str, /, **params: object) -> str:
        try:
            entry = self._entries[key]
        except KeyError:
            raise CatalogError(f"{self.language}: no text for {key!r}") from None
        if isinstance(entry, dict):
            count = params.get("count", 0)
            if isinstance(count, str) and count.isdigit():  # a Problem's params are strings
                count = int(count)
            form = self._locale.plural_form(count if isinstance(count, int | float) else 0)
            entry = entry.get(form, entry["other"])
        return str(entry).format(**params)

    def has(self, key: str) -> bool:
        return key in self._entries

    def number(self, value: float | Decimal | None, digits: int = 1) -> str:
        if value is None:
            return "–"
        pattern = "#,##0." + "#" * digits if digits else "#,##0"
        return format_decimal(value, format=pattern, locale=self._locale)

    def signed_percent(self, value: float | None) -> str:
        if value is None:
            return "–"
        sign = "+" if value > 0 else "−" if value < 0 else "±"
        return f"{sign}{self.number(abs(value), 0)} %"

    def date(self, value: date) -> str:
        return format_date(value, format="medium", locale=self._locale)

    def datetime(self, value: datetime) -> str:
        return format_datetime(value, format="yyyy-MM-dd HH:mm zzz", locale=self._locale)


@functools.cache
def texts(language: str) -> Texts:
    return Texts(language)
