"""How the Audience tables show a cell: numbers and dates in the reader's language."""

from __future__ import annotations

from datetime import date

from django import template
from django.utils.formats import date_format, number_format

register = template.Library()


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
