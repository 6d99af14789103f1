"""CSV that opens in a spreadsheet without running anything (CSV injection, OWASP).

Spreadsheet programs treat a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab or a
carriage return) as a formula, so a ship name broadcast as ``=HYPERLINK(...)`` or an outcome route typed as
``=cmd|' /C calc'!A0`` would run when a coordinator opens an export. Following the OWASP guidance, every text
cell starting with one of those characters is prefixed with a single quote, which spreadsheets show as text
and never evaluate. Numbers are written as numbers (a negative longitude stays a number). Every CSV export
of Seasight goes through :func:`csv_text`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

#: First characters that make a spreadsheet evaluate a cell (OWASP "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """``value`` ready for a CSV cell: None as empty, lists joined with ``;``, formula-like text neutralised,
    line breaks inside text as ``\n``."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = ";".join("" if v is None else str(v) for v in value)
    if isinstance(value, bool | int | float):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        text = "'" + text
    # A carriage return inside a cell would not be quoted with "\n" line ends and would split the row in a
    # spreadsheet: line breaks inside a cell are written as "\n", which is quoted.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def csv_text(fieldnames: Sequence[str], rows: Iterable[Mapping[str, object]]) -> str:
    """A CSV document (header, then one line per row, ``\\n`` line ends) with every cell through
    :func:`safe_cell`. Keys of a row not in ``fieldnames`` are an error (nothing is silently dropped)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(fieldnames), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: safe_cell(v) for k, v in row.items()})
    return out.getvalue()
