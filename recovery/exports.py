"""CSV exports written row by row, so a large cohort is streamed and never held in memory.

A spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return) as a formula: such a
cell is written with a leading apostrophe, which the spreadsheet shows as text (OWASP's advice).
"""

import csv
import datetime
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write returns the line: csv.writer then yields text, not a file."""

    def write(self, value: str) -> str:
        return value


def csv_cell(value) -> str:
    """One value as a cell: empty for None, yes/no for booleans, ISO dates, lists joined by `;`,
    and a formula-looking text defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        value = ";".join(str(v) for v in value)
    text = str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def csv_lines(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([csv_cell(v) for v in row])


def csv_response(*, filename: str, header: list[str], rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """A streamed CSV download; `rows` is consumed only as the response is sent."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Patient data: no shared cache may keep it.
    response["Cache-Control"] = "no-store"
    return response
