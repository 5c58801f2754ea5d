"""Charts drawn on the server as inline SVG: no script, printable, cacheable.

Each chart is an image with a title and a description (``role="img"``, ``aria-labelledby``)
and always sits next to a table of the same numbers, which is the source of truth: every
mark carries its number in a ``data-value`` attribute, so a test can check the drawing
against the table. Everything from outside (labels, titles) is escaped."""

from __future__ import annotations

import html
import itertools
from collections.abc import Sequence

from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
HEIGHT = 180
PAD = 28
COLOURS = ("#9b2c55", "#2a6f97", "#5b8c2a", "#b5651d")
_ids = itertools.count(1)


def escape(value: object) -> str:
    # The standard library's escape: Django's wraps it for lazy strings, at a cost per mark.
    return html.escape(str(value))


def _frame(title: str, desc: str, body: str, width: int = WIDTH, height: int = HEIGHT) -> str:
    n = next(_ids)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="chart-{n}-t chart-{n}-d" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMidYMid meet">'
        f'<title id="chart-{n}-t">{escape(title)}</title>'
        f'<desc id="chart-{n}-d">{escape(desc)}</desc>{body}</svg>'
    )


def _scale(values: Sequence[float]) -> float:
    top = max(values, default=0)
    return top if top > 0 else 1


def bars(title: str, desc: str, points: Sequence[tuple[str, float]]) -> SafeString:
    """Horizontal bars, one per (label, value)."""
    row = 22
    height = max(row * len(points) + 8, 30)
    top = _scale([v for _l, v in points])
    parts = []
    for i, (label, value) in enumerate(points):
        y = 4 + i * row
        w = round((WIDTH - 260) * value / top, 1)
        parts.append(
            f'<text x="0" y="{y + 14}" font-size="12">{escape(label[:40])}</text>'
            f'<rect x="200" y="{y}" width="{w}" height="{row - 6}" fill="{COLOURS[0]}" '
            f'data-label="{escape(label)}" data-value="{value:g}"></rect>'
            f'<text x="{200 + w + 4}" y="{y + 14}" font-size="12">'
            f"{escape(number_format(value, force_grouping=True))}</text>"
        )
    return mark_safe(_frame(title, desc, "".join(parts), height=height))


def lines(
    title: str, desc: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]]
) -> SafeString:
    """One line per (name, values) over ``labels`` (days); the largest value is marked on
    the axis, the first and last labels under it."""
    top = _scale([v for _n, values in series for v in values])
    span = max(len(labels) - 1, 1)
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    parts = [
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" '
        f'stroke="#888"></line>',
        f'<text x="{PAD}" y="{PAD - 8}" font-size="11">'
        f"{escape(number_format(top, force_grouping=True))}</text>",
    ]
    if labels:
        parts.append(
            f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="11">{escape(labels[0])}</text>'
            f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" font-size="11" text-anchor="end">'
            f"{escape(labels[-1])}</text>"
        )
    for (name, values), colour in zip(series, itertools.cycle(COLOURS), strict=False):
        points = " ".join(
            f"{PAD + inner_w * i / span:.1f},{PAD + inner_h * (1 - v / top):.1f}"
            for i, v in enumerate(values)
        )
        numbers = " ".join(f"{v:g}" for v in values)
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}" '
            f'data-series="{escape(name)}" data-values="{numbers}"><title>{escape(name)}'
            f"</title></polyline>"
        )
    return mark_safe(_frame(title, desc, "".join(parts)))


def grid(
    title: str, desc: str, rows: Sequence[str], cells: dict[tuple[int, int], int]
) -> SafeString:
    """A weekday x hour grid, darker for more."""
    cell, left = 24, 40
    top = _scale(list(cells.values()))
    parts = [
        f'<text x="{left + h * cell}" y="12" font-size="10">{h:02d}</text>' for h in range(0, 24, 3)
    ]
    for d, name in enumerate(rows):
        y = 18 + d * cell
        parts.append(f'<text x="0" y="{y + 16}" font-size="11">{escape(name)}</text>')
        for h in range(24):
            n = cells.get((d, h), 0)
            opacity = 0.08 + 0.92 * n / top if n else 0.03
            parts.append(
                f'<rect x="{left + h * cell}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                f'fill="{COLOURS[1]}" fill-opacity="{opacity:.2f}" data-day="{d}" '
                f'data-hour="{h}" data-value="{n}"><title>{escape(name)} {h:02d}: {n}</title>'
                f"</rect>"
            )
    width = left + 24 * cell
    height = 18 + len(rows) * cell + 4
    return mark_safe(_frame(title, desc, "".join(parts), width=width, height=height))
