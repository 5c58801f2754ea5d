"""``{% load signup %}{% signup_is_open as open %}``: whether to offer self sign-up."""

from __future__ import annotations

from django import template

from florilege.accounts.services.signup import is_open

register = template.Library()


@register.simple_tag
def signup_is_open() -> bool:
    return is_open()
