"""Self-contained charts: an inline SVG drawn here, optionally wrapped in an HTML page.

No JavaScript, no CDN, no external file: the page opens offline (a headquarters'
analyst often works on a machine without internet). The page also embeds the chart's
data as JSON (``<script type="application/json" id="data">``) for anyone who wants the
numbers behind the picture.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from warroom.core.axes import label_step

WIDTH, HEIGHT = 960, 420
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 70, 170, 40, 60
PALETTE = ("#c0392b", "#2471a3", "#27ae60", "#8e44ad", "#d68910", "#5d6d7e")


@dataclass(frozen=True)
class Line:
    """A polyline; NaN values leave a gap."""

    label: str
    values: Sequence[float]
    color: str = ""
    dashed: bool = False


@dataclass(frozen=True)
class Band:
    """A shaded interval between ``lower`` and ``upper``."""

    label: str
    lower: Sequence[float]
    upper: Sequence[float]
    color: str = "#2471a3"
    opacity: float = 0.2


@dataclass(frozen=True)
class Chart:
    title: str
    x_labels: Sequence[str]
    lines: Sequence[Line] = ()
    bands: Sequence[Band] = ()
    hlines: Sequence[tuple[float, str]] = ()  # (y, label): reference lines
    y_label: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def _finite(values: Sequence[float]) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v)]


def _nice_ticks(top: float, count: int = 5) -> list[float]:
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(math.ceil(top / step) + 1)]


def render_svg(chart: Chart) -> str:
    """The chart as a standalone ``<svg>`` element."""
    n = len(chart.x_labels)
    values = [v for line in chart.lines for v in _finite(line.values)]
    values += [v for band in chart.bands for v in _finite(band.upper)]
    values += [y for y, _ in chart.hlines]
    ticks = _nice_ticks(max(values, default=1.0))
    top = ticks[-1]
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM

    def x(i: int) -> float:
        return MARGIN_LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return MARGIN_TOP + plot_h * (1 - v / top)

    esc = html.escape
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
        f"<title>{esc(chart.title)}</title>",
        f'<text x="{MARGIN_LEFT}" y="22" font-size="16" font-weight="bold">'
        f"{esc(chart.title)}</text>",
    ]
    for t in ticks:
        parts.append(
            f'<line x1="{MARGIN_LEFT}" x2="{MARGIN_LEFT + plot_w}" y1="{y(t):.1f}" '
            f'y2="{y(t):.1f}" stroke="#ddd"/>'
            f'<text x="{MARGIN_LEFT - 6}" y="{y(t) + 4:.1f}" text-anchor="end">{t:g}</text>'
        )
    every = max(math.ceil(n / 10), label_step(chart.x_labels, plot_w))
    for i in range(0, n, every):
        parts.append(
            f'<text x="{x(i):.1f}" y="{MARGIN_TOP + plot_h + 18}" text-anchor="middle">'
            f"{esc(chart.x_labels[i])}</text>"
        )
    if chart.y_label:
        parts.append(
            f'<text transform="translate(16 {MARGIN_TOP + plot_h / 2}) rotate(-90)" '
            f'text-anchor="middle">{esc(chart.y_label)}</text>'
        )
    legend: list[tuple[str, str, bool, float]] = []
    for band in chart.bands:
        segments = _segments([(lo, up) for lo, up in zip(band.lower, band.upper, strict=True)])
        for seg in segments:
            upper = " ".join(f"{x(i):.1f},{y(up):.1f}" for i, (_, up) in seg)
            lower = " ".join(f"{x(i):.1f},{y(lo):.1f}" for i, (lo, _) in reversed(seg))
            parts.append(
                f'<polygon points="{upper} {lower}" fill="{band.color}" '
                f'fill-opacity="{band.opacity}" stroke="none"/>'
            )
        legend.append((band.label, band.color, False, band.opacity))
    for value, label in chart.hlines:
        parts.append(
            f'<line x1="{MARGIN_LEFT}" x2="{MARGIN_LEFT + plot_w}" y1="{y(value):.1f}" '
            f'y2="{y(value):.1f}" stroke="#555" stroke-dasharray="2 3"/>'
            f'<text x="{MARGIN_LEFT + plot_w + 4}" y="{y(value) + 4:.1f}" fill="#555">'
            f"{esc(label)}</text>"
        )
    for index, line in enumerate(chart.lines):
        color = line.color or PALETTE[index % len(PALETTE)]
        dash = ' stroke-dasharray="6 4"' if line.dashed else ""
        for seg in _segments([(v, v) for v in line.values]):
            points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (v, _) in seg)
            if len(seg) == 1:
                i, (v, _) = seg[0]
                parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2" fill="{color}"/>')
            else:
                parts.append(
                    f'<polyline points="{points}" fill="none" stroke="{color}" '
                    f'stroke-width="1.8"{dash}/>'
                )
        legend.append((line.label, color, True, 1.0))
    for k, (label, color, is_line, opacity) in enumerate(legend):
        ly = MARGIN_TOP + 10 + 18 * k
        lx = WIDTH - MARGIN_RIGHT + 50
        mark = (
            f'<line x1="{lx}" x2="{lx + 18}" y1="{ly}" y2="{ly}" stroke="{color}" '
            'stroke-width="2"/>'
            if is_line
            else f'<rect x="{lx}" y="{ly - 6}" width="18" height="12" fill="{color}" '
            f'fill-opacity="{opacity}"/>'
        )
        parts.append(mark + f'<text x="{lx + 24}" y="{ly + 4}">{esc(label)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _segments(
    pairs: Sequence[tuple[float, float]],
) -> list[list[tuple[int, tuple[float, float]]]]:
    """Runs of consecutive indices whose values are all finite."""
    out: list[list[tuple[int, tuple[float, float]]]] = []
    current: list[tuple[int, tuple[float, float]]] = []
    for i, pair in enumerate(pairs):
        if all(v is not None and math.isfinite(v) for v in pair):
            current.append((i, pair))
        elif current:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def render_html(chart: Chart) -> str:
    """A complete, self-contained HTML page: the SVG and the data as embedded JSON."""
    data = json.dumps(chart.data, ensure_ascii=False, allow_nan=False, default=str)
    data = data.replace("</", "<\\/")  # keep the JSON from closing its <script> element
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(chart.title)}</title>\n"
        "<style>body{font-family:sans-serif;margin:24px;color:#222}</style>\n"
        "</head>\n<body>\n"
        f"{render_svg(chart)}\n"
        f'<script type="application/json" id="data">{data}</script>\n'
        "</body>\n</html>\n"
    )
