"""Server-side SVG charts. Each has a text label on every bar or line, a pattern as well as a colour
for each series, and a title for assistive technology; the page shows the same figures as a table.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

_WIDTH = 640
_LABEL_WIDTH = 300
_BAR_HEIGHT = 24
_GAP = 10


def bar_chart(title: str, bars: Sequence[tuple[str, float, str]]) -> Markup:
    """Horizontal bars of 0-100 percentages: (label, percent, value text shown at the bar's end)."""
    height = len(bars) * (_BAR_HEIGHT + _GAP) + _GAP
    room = _WIDTH - _LABEL_WIDTH - 90
    parts = [_open(title, height)]
    for index, (label, percent, text) in enumerate(bars):
        y = _GAP + index * (_BAR_HEIGHT + _GAP)
        width = max(0.0, min(percent, 100.0)) * room / 100
        parts.append(
            f'<text x="{_LABEL_WIDTH - 8}" y="{y + 17}" text-anchor="end">{escape(_short(label))}</text>'
            f'<rect x="{_LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{_BAR_HEIGHT}" class="chart-bar"/>'
            f'<text x="{_LABEL_WIDTH + width + 6:.1f}" y="{y + 17}">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(title: str, labels: Sequence[str], actual: Sequence[float], target: Sequence[float]) -> Markup:
    """Two 0-100 series over the same points: actual (solid, with square markers) and target (dashed)."""
    height, left, top, plot_h = 260, 50, 20, 180
    plot_w = _WIDTH - left - 20
    step = plot_w / max(len(labels) - 1, 1)

    def xy(index: int, value: float) -> str:
        return f"{left + index * step:.1f},{top + plot_h - plot_h * min(max(value, 0.0), 100.0) / 100:.1f}"

    parts = [_open(title, height)]
    for tick in (0, 50, 100):
        y = top + plot_h - plot_h * tick / 100
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y}" y2="{y}" class="chart-grid"/>'
            f'<text x="{left - 6}" y="{y + 5}" text-anchor="end">{tick}%</text>'
        )
    target_points = " ".join(xy(index, value) for index, value in enumerate(target))
    actual_points = " ".join(xy(index, value) for index, value in enumerate(actual))
    parts.append(f'<polyline points="{target_points}" class="chart-target"/>')
    parts.append(f'<polyline points="{actual_points}" class="chart-actual"/>')
    for index, value in enumerate(actual):
        x, y = (float(part) for part in xy(index, value).split(","))
        parts.append(f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" class="chart-marker"/>')
    if labels:
        parts.append(f'<text x="{left}" y="{height - 30}">{escape(labels[0])}</text>')
        parts.append(
            f'<text x="{left + plot_w}" y="{height - 30}" text-anchor="end">{escape(labels[-1])}</text>'
        )
    parts.append(
        f'<line x1="{left}" x2="{left + 30}" y1="{height - 8}" y2="{height - 8}" class="chart-actual"/>'
        f'<text x="{left + 36}" y="{height - 3}">Completed (solid, squares)</text>'
        f'<line x1="{left + 280}" x2="{left + 310}" y1="{height - 8}" y2="{height - 8}"'
        ' class="chart-target"/>'
        f'<text x="{left + 316}" y="{height - 3}">Target (dashed)</text></svg>'
    )
    return Markup("".join(parts))


def _open(title: str, height: int) -> str:
    return (
        f'<svg class="chart" role="img" viewBox="0 0 {_WIDTH} {height}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    )


def _short(label: str) -> str:
    return label if len(label) <= 42 else label[:41] + "…"
