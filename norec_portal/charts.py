"""Charts drawn on the server as inline SVG: no script, no CDN, nothing for the CSP to
block (colours and sizes are SVG presentation attributes, not ``style``).

Every chart is an ``<svg role="img">`` named by its ``<title>`` and ``<desc>``; the page
puts the same numbers in a table next to it for screen readers and for reading exact
values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

NAVY = "#12355b"
BLUE = "#0f5a9e"
ACCENT = "#e8a33d"
RED = "#a12222"
GREEN = "#1e6b3a"
GREY = "#d5dbe2"
INK = "#1b2430"
INK_SOFT = "#4a5563"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float]
    color: str


def nice_ticks(maximum: float, *, count: int = 4) -> list[float]:
    """0 and a few round steps (1, 2 or 5 × 10ⁿ) up to at least ``maximum``."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1) if maximum >= 1 else step
    top = math.ceil(maximum / step) * step
    return [round(i * step, 6) for i in range(int(round(top / step)) + 1)]


def _num(value: float) -> str:
    return f"{value:g}" if value != int(value) else f"{int(value):,}".replace(",", " ")


def _text(
    x: float,
    y: float,
    label: str,
    *,
    anchor: str = "middle",
    size: int = 12,
    fill: str = INK_SOFT,
    weight: str = "normal",
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'font-family="{FONT}" fill="{fill}" font-weight="{weight}">{escape(label)}</text>'
    )


def _open(chart_id: str, title: str, description: str, width: int, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]


def _legend(series: Sequence[Series], *, x: float, y: float, extra: str = "") -> list[str]:
    parts = []
    for item in series:
        parts.append(
            f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" rx="2" '
            f'fill="{item.color}"/>'
        )
        parts.append(_text(x + 17, y, item.label, anchor="start", fill=INK))
        x += 17 + 7.2 * len(item.label) + 18
    if extra:
        parts.append(
            f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 18:.1f}" y2="{y - 4:.1f}" '
            f'stroke="{RED}" stroke-width="2" stroke-dasharray="5 3"/>'
        )
        parts.append(_text(x + 23, y, extra, anchor="start", fill=INK))
    return parts


def _y_axis(
    ticks: list[float], *, left: float, right: float, top: float, bottom: float, scale: float
) -> list[str]:
    parts = []
    for tick in ticks:
        y = bottom - tick * scale
        parts.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}" '
            f'stroke="{GREY}" stroke-width="1"/>'
        )
        parts.append(_text(left - 6, y + 4, _num(tick), anchor="end", size=11))
    return parts


def column_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    goal: float | None = None,
    goal_label: str = "",
    flagged: Sequence[bool] = (),
    width: int = 720,
    height: int = 300,
) -> SafeString:
    """Vertical bars, grouped by category; an optional dashed goal line. Categories in
    ``flagged`` get a warning mark under their label."""
    left, right, top, bottom = 44.0, width - 12.0, 44.0, height - 46.0
    maximum = max([*(v for s in series for v in s.values), goal or 0, 1])
    ticks = nice_ticks(maximum)
    scale = (bottom - top) / ticks[-1]
    parts = _open(chart_id, title, description, width, height)
    parts += _legend(series, x=left, y=20, extra=goal_label if goal is not None else "")
    parts += _y_axis(ticks, left=left, right=right, top=top, bottom=bottom, scale=scale)
    slot = (right - left) / max(len(categories), 1)
    bar = min(28.0, (slot * 0.8) / max(len(series), 1))
    for i, category in enumerate(categories):
        x0 = left + i * slot + (slot - bar * len(series)) / 2
        for j, item in enumerate(series):
            value = item.values[i]
            h = value * scale
            x = x0 + j * bar
            parts.append(
                f'<rect x="{x:.1f}" y="{bottom - h:.1f}" width="{bar - 2:.1f}" '
                f'height="{h:.1f}" fill="{item.color}"><title>{escape(category)} — '
                f"{escape(item.label)}: {_num(value)}</title></rect>"
            )
        centre = left + (i + 0.5) * slot
        parts.append(_text(centre, bottom + 16, category, size=11))
        if i < len(flagged) and flagged[i]:
            parts.append(_text(centre, bottom + 32, "⚠", size=13, fill=RED, weight="bold"))
    if goal is not None:
        y = bottom - goal * scale
        parts.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}" '
            f'stroke="{RED}" stroke-width="2" stroke-dasharray="5 3"/>'
        )
    parts.append(
        f'<line x1="{left:.1f}" y1="{bottom:.1f}" x2="{right:.1f}" y2="{bottom:.1f}" '
        f'stroke="{INK_SOFT}" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    width: int = 720,
) -> SafeString:
    """Horizontal bars grouped by category (one row per category): for long labels such
    as country names, and any number of them."""
    label_width = min(180.0, 20 + 7.5 * max((len(c) for c in categories), default=4))
    left, right, top = label_width, width - 50.0, 40.0
    row = 6.0 + 11.0 * len(series)
    height = int(top + row * max(len(categories), 1) + 30)
    maximum = max([*(v for s in series for v in s.values), 1])
    ticks = nice_ticks(maximum)
    scale = (right - left) / ticks[-1]
    bottom = height - 24.0
    parts = _open(chart_id, title, description, width, height)
    parts += _legend(series, x=12, y=20)
    for tick in ticks:
        x = left + tick * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 4:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" '
            f'stroke="{GREY}" stroke-width="1"/>'
        )
        parts.append(_text(x, bottom + 15, _num(tick), size=11))
    for i, category in enumerate(categories):
        y0 = top + i * row
        parts.append(_text(left - 8, y0 + row / 2 + 3, category, anchor="end", fill=INK))
        for j, item in enumerate(series):
            value = item.values[i]
            w = value * scale
            y = y0 + 3 + j * 11
            parts.append(
                f'<rect x="{left:.1f}" y="{y:.1f}" width="{w:.1f}" height="9" '
                f'fill="{item.color}"><title>{escape(category)} — {escape(item.label)}: '
                f"{_num(value)}</title></rect>"
            )
            parts.append(_text(left + w + 4, y + 8.5, _num(value), anchor="start", size=10))
    parts.append(
        f'<line x1="{left:.1f}" y1="{top - 4:.1f}" x2="{left:.1f}" y2="{bottom:.1f}" '
        f'stroke="{INK_SOFT}" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Series,
    width: int = 720,
    height: int = 280,
) -> SafeString:
    """One line over time, with its area shaded and each point labelled."""
    left, right, top, bottom = 52.0, width - 16.0, 52.0, height - 30.0
    maximum = max([*series.values, 1])
    ticks = nice_ticks(maximum)
    scale = (bottom - top) / ticks[-1]
    parts = _open(chart_id, title, description, width, height)
    parts += _legend([series], x=left, y=20)
    parts += _y_axis(ticks, left=left, right=right, top=top, bottom=bottom, scale=scale)
    n = max(len(categories), 1)
    step = (right - left) / n
    points = [
        (left + (i + 0.5) * step, bottom - value * scale) for i, value in enumerate(series.values)
    ]
    if points:
        area = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(
            f'<polygon points="{points[0][0]:.1f},{bottom:.1f} {area} '
            f'{points[-1][0]:.1f},{bottom:.1f}" fill="{series.color}" fill-opacity="0.12"/>'
        )
        parts.append(
            f'<polyline points="{area}" fill="none" stroke="{series.color}" '
            f'stroke-width="2.5" stroke-linejoin="round"/>'
        )
    for (x, y), value, category in zip(points, series.values, categories, strict=True):
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{series.color}">'
            f"<title>{escape(category)}: {_num(value)}</title></circle>"
        )
        parts.append(_text(x, y - 8, _num(value), size=10, fill=INK))
    for i, category in enumerate(categories):
        parts.append(_text(left + (i + 0.5) * step, bottom + 16, category, size=11))
    parts.append(
        f'<line x1="{left:.1f}" y1="{bottom:.1f}" x2="{right:.1f}" y2="{bottom:.1f}" '
        f'stroke="{INK_SOFT}" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
