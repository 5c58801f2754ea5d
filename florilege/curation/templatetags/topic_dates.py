"""``{% topic_time value topic %}``: a date as a ``<time>`` element in the topic's zone.

See ``florilege/curation/dates.py`` for why a tag, not a middleware. ``topic`` may be None
(a page about no topic): the site's zone is used. Styles: ``datetime`` (default), ``date``,
``short``.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from florilege.curation.dates import show_date

register = template.Library()


@register.simple_tag
def topic_time(value, topic=None, style: str = "datetime") -> str:
    if not value:
        return ""
    zone = getattr(topic, "time_zone", None) if topic is not None else None
    shown = show_date(value, zone, style)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>', shown.iso, shown.zone, shown.text
    )
