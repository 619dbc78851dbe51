"""The one way Kith draws charts: small SVG built on the server.

No charting JavaScript and no `style=` attributes (the CSP allows neither):
shapes carry presentation attributes and `series-N` classes that kith.css
colours. Every chart is an `<svg role="img">` with a <title> and a <desc>,
and the page shows the same numbers in a table beside it. Text runs
left to right inside the chart (direction="ltr") so that axes read the same
way in right-to-left pages; the labels themselves keep their own script.
"""
from __future__ import annotations

import itertools
import math

from flask_babel import format_decimal, format_number
from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 12, 44
SERIES_CLASSES = 6  # kith.css colours .series-0 … .series-5
_ids = itertools.count(1)


def _plain(value) -> str:
    """A number as the reader's locale writes it (whole numbers without decimals)."""
    if float(value).is_integer():
        return format_number(int(value))
    return format_decimal(value, "#,##0.#")


def _nice_max(value: float) -> float:
    """A round axis maximum at or above value, four ticks of 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 4
    quarter = value / 4
    power = 10 ** math.floor(math.log10(quarter)) if quarter >= 1 else 1
    for step in (1, 2, 5, 10):
        if quarter <= step * power:
            return 4 * step * power
    return 40 * power


def _open(title: str, description: str, css: str, width: int = WIDTH, height: int = HEIGHT) -> tuple[str, list]:
    n = next(_ids)
    tid, did = f"chart-{n}-title", f"chart-{n}-desc"
    parts = [f'<svg class="chart {css}" viewBox="0 0 {width} {height}" role="img" direction="ltr" '
             f'aria-labelledby="{tid} {did}" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{tid}">{escape(title)}</title>', f'<desc id="{did}">{escape(description)}</desc>']
    return tid, parts


def _axes(parts: list, top_value: float, fmt, labels: list[str], right_axis: bool = False) -> None:
    plot_h = HEIGHT - TOP - BOTTOM
    for i in range(5):
        value = top_value * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(fmt(value))}</text>')
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    widest = max((len(label) for label in labels), default=1) * 6.5 + 6  # about 6.5 px a character at 11 px
    step = max(1, math.ceil(widest / slot))  # leave labels out rather than let them overlap
    for i, label in enumerate(labels):
        if i % step:
            continue
        x = LEFT + slot * (i + 0.5)
        parts.append(f'<text class="axis" x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
                     f'{escape(label)}</text>')


def _legend(parts: list, names: list[str]) -> None:
    if len(names) < 2:
        return
    x = LEFT
    for i, name in enumerate(names):
        parts.append(f'<rect class="series-{i % SERIES_CLASSES}" x="{x}" y="{HEIGHT - 16}" width="10" height="10"/>')
        parts.append(f'<text class="legend" x="{x + 14}" y="{HEIGHT - 7}">{escape(name)}</text>')
        x += 22 + 7 * len(str(name))


def bar_chart(title: str, description: str, labels: list, series: list[tuple[str, list]], fmt=_plain) -> Markup:
    """Stacked bars, one per label; `series` is [(name, [value per label]), …]."""
    labels = [str(label) for label in labels]
    totals = [sum((values[i] or 0) for _, values in series) for i in range(len(labels))]
    top_value = _nice_max(max(totals, default=0))
    _, parts = _open(title, description, "bar-chart")
    _axes(parts, top_value, fmt, labels)
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    bar_w = max(1.0, slot * 0.7)
    for i, label in enumerate(labels):
        base = TOP + plot_h
        for s, (name, values) in enumerate(series):
            value = values[i] or 0
            if value <= 0:
                continue
            h = plot_h * value / top_value
            base -= h
            parts.append(f'<rect class="series-{s % SERIES_CLASSES}" x="{LEFT + slot * i + (slot - bar_w) / 2:.1f}" '
                         f'y="{base:.1f}" width="{bar_w:.1f}" height="{h:.1f}">'
                         f'<title>{escape(label)} · {escape(name)}: {escape(fmt(value))}</title></rect>')
    _legend(parts, [name for name, _ in series])
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(title: str, description: str, labels: list, series: list[tuple[str, list]], fmt=_plain,
               top_value: float | None = None) -> Markup:
    """One line per series over the labels; a missing value (None) breaks the line."""
    labels = [str(label) for label in labels]
    values = [v for _, vs in series for v in vs if v is not None]
    top_value = top_value or _nice_max(max(values, default=0))
    _, parts = _open(title, description, "line-chart")
    _axes(parts, top_value, fmt, labels)
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    for s, (name, vs) in enumerate(series):
        css = f"series-{s % SERIES_CLASSES}"
        run: list[str] = []
        for i, value in enumerate(vs + [None]):
            if value is None:
                if len(run) > 1:
                    parts.append(f'<polyline class="line {css}" points="{" ".join(run)}"/>')
                run = []
                continue
            x, y = LEFT + slot * (i + 0.5), TOP + plot_h - plot_h * value / top_value
            run.append(f"{x:.1f},{y:.1f}")
            parts.append(f'<circle class="{css}" cx="{x:.1f}" cy="{y:.1f}" r="3">'
                         f'<title>{escape(labels[i])} · {escape(name)}: {escape(fmt(value))}</title></circle>')
    _legend(parts, [name for name, _ in series])
    parts.append("</svg>")
    return Markup("".join(parts))


def pareto_chart(title: str, description: str, labels: list, values: list, cumulative: list[float],
                 fmt=_plain, percent=_plain) -> Markup:
    """Bars in falling order with the cumulative share (0–1) as a line on a 0–100 % scale."""
    labels = [str(label) for label in labels]
    top_value = _nice_max(max(values, default=0))
    _, parts = _open(title, description, "pareto-chart")
    _axes(parts, top_value, fmt, labels)
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    bar_w = max(1.0, slot * 0.7)
    points = []
    for i, (label, value, share) in enumerate(zip(labels, values, cumulative)):
        h = plot_h * (value or 0) / top_value
        parts.append(f'<rect class="series-0" x="{LEFT + slot * i + (slot - bar_w) / 2:.1f}" y="{TOP + plot_h - h:.1f}" '
                     f'width="{bar_w:.1f}" height="{h:.1f}"><title>{escape(label)}: {escape(fmt(value))}</title></rect>')
        x, y = LEFT + slot * (i + 0.5), TOP + plot_h - plot_h * share
        points.append(f"{x:.1f},{y:.1f}")
        parts.append(f'<circle class="series-1" cx="{x:.1f}" cy="{y:.1f}" r="3"><title>{escape(label)}: '
                     f'{escape(percent(share))}</title></circle>')
    if points:
        parts.append(f'<polyline class="line series-1" points="{" ".join(points)}"/>')
    for i in range(5):
        y = TOP + plot_h - plot_h * i / 4
        parts.append(f'<text class="axis" x="{WIDTH - RIGHT}" y="{y - 3:.1f}" text-anchor="end">'
                     f'{escape(percent(i / 4))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def sparkline(title: str, values: list, width: int = 120, height: int = 32) -> Markup:
    """A tiny trend line for a dashboard tile (its title names the trend for screen readers)."""
    values = [v or 0 for v in values]
    n = next(_ids)
    parts = [f'<svg class="sparkline" viewBox="0 0 {width} {height}" role="img" aria-labelledby="spark-{n}" '
             f'xmlns="http://www.w3.org/2000/svg"><title id="spark-{n}">{escape(title)}</title>']
    if len(values) > 1:
        top, low = max(values), min(values)
        span = (top - low) or 1
        step = (width - 4) / (len(values) - 1)
        points = " ".join(f"{2 + step * i:.1f},{height - 2 - (height - 4) * (v - low) / span:.1f}"
                          for i, v in enumerate(values))
        parts.append(f'<polyline class="line series-0" points="{points}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))
