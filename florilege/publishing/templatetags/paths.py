"""Where a form sends the reader back to; links that came from elsewhere."""

from __future__ import annotations

from django import template
from django.http import HttpRequest

from florilege.lib.urls import http_href

register = template.Library()

# A search of thousands of characters would otherwise be copied into every form that
# returns to the page (language switcher, "useful" buttons), multiplying the page's size.
MAX_RETURN_PATH = 1000


def return_path(request: HttpRequest | None, fallback: str = "/") -> str:
    if request is None:
        return fallback
    full = request.get_full_path()
    return full if len(full) <= MAX_RETURN_PATH else request.path


register.filter("return_path", return_path)
register.filter("http_href", http_href)
