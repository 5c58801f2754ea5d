"""``{{ scoop|go }}``: the counted address of a scoop's original article.

The argument says where the link is: ``"feed"``, ``"embed"``, ``"fediverse"``, ``"page"``
(the default), or a digest edition's number (an edition marker: clicks count per
edition). So switching a template to counted links is one token: ``{{ scoop.url }}``
becomes ``{{ scoop|go }}``."""

from __future__ import annotations

from typing import Any

from django import template

from florilege.analytics.clicks import VIA, go_url

register = template.Library()


@register.filter
def go(scoop: Any, where: object = "page") -> str:
    pk = getattr(scoop, "pk", None)
    if pk is None:  # an unsaved preview: nothing to count, the plain address
        return str(getattr(scoop, "url", ""))
    if isinstance(where, int) or (isinstance(where, str) and where.isdigit()):
        return go_url(pk, "digest", int(where))
    if where in VIA.values():
        return go_url(pk, str(where))
    return go_url(pk, "digest" if where == "digest" else "page")
