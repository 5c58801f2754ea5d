"""Shared helpers for the engagement tests."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from florilege.curation.models import Scoop
from florilege.lib.markdown import render_markdown

LINK = re.compile(r"https?://\S+")


def make_scoop(topic, curator, i: int, published_at: datetime, **extra) -> Scoop:
    insight = extra.pop("insight", f"Why story {i} **matters**.")
    return Scoop.objects.create(
        topic=topic,
        curator=curator,
        url=f"https://news.example/{i}",
        canonical_url=f"https://news.example/{i}",
        title=extra.pop("title", f"Story {i}"),
        source_name="news.example",
        insight=insight,
        insight_html=render_markdown(insight),
        published_at=published_at,
        **extra,
    )


def make_scoops(topic, curator, n: int, latest: datetime) -> list[Scoop]:
    return [make_scoop(topic, curator, i, latest - timedelta(hours=n - 1 - i)) for i in range(n)]


def text_part(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_part(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def link_in(text: str, fragment: str) -> str:
    return next(u for u in LINK.findall(text) if fragment in u)
