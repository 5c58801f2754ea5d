"""How the Audience tables show a cell: numbers and dates in the reader's language."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date

from django import template
from django.utils.dateformat import format as format_date
from django.utils.formats import date_format, get_format, number_format
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


class _Cells:
    """Formats many cells fast: the language's separators and date format read once (a
    year's table has hundreds of cells; Django's filters look them up for each)."""

    def __init__(self) -> None:
        self.thousands = str(get_format("THOUSAND_SEPARATOR"))
        self.decimal = str(get_format("DECIMAL_SEPARATOR"))
        self.date = str(get_format("SHORT_DATE_FORMAT"))

    def __call__(self, value: object) -> str:
        if isinstance(value, date):
            return format_date(value, self.date)
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, int):
            return f"{value:,}".replace(",", self.thousands)
        if isinstance(value, float):
            text = f"{value:,.1f}".replace(",", "\0").replace(".", self.decimal)
            return text.replace("\0", self.thousands)
        return str(value)


@register.simple_tag
def audience_rows(rows: Sequence[Sequence[object]]) -> SafeString:
    """A table's body rows: the first cell heads its row; every number keeps its raw
    value in ``data-value`` (what the charts are checked against)."""
    cell = _Cells()
    out = []
    # The standard library's escape: Django's wraps it for lazy strings, a cost per cell
    # that a year's tables pay hundreds of times.
    for row in rows:
        head, *rest = row
        parts = [f'<tr><th scope="row">{html.escape(cell(head))}</th>']
        parts += [f'<td data-value="{html.escape(str(v))}">{html.escape(cell(v))}</td>'
                  for v in rest]  # fmt: skip
        out.append("".join(parts) + "</tr>")
    return mark_safe("".join(out))


@register.filter
def audience_cell(value: object) -> str:
    if isinstance(value, date):
        return date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return number_format(value, force_grouping=True)
    if isinstance(value, float):
        return number_format(value, decimal_pos=1, force_grouping=True)
    return str(value)


@register.filter
def signed_percent(value: float | None) -> str:
    if value is None:
        return "\N{EN DASH}"  # nothing to compare with
    return ("+" if value > 0 else "") + number_format(value, decimal_pos=1) + " %"
