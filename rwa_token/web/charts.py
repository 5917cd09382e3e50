"""Charts drawn on the server as inline SVG: a horizontal bar chart and a pie chart, from (label, value) pairs.
No script and no chart library: the page is complete as the server sends it, and prints and screenshots as seen."""
from __future__ import annotations

import math
from typing import Sequence

from markupsafe import Markup, escape

PALETTE = ("#1f5f8b", "#e0823d", "#3c9d5d", "#b8463c", "#7b5ea7", "#8c6d3f", "#d46fa8", "#6f6f6f", "#b5b83a",
           "#2bb0c2")


def bar_chart(items: Sequence[tuple[str, int]], title: str, unit: str = "") -> Markup:
    """One bar per item (class `bar`), longest first as given, each labelled with its value."""
    row, label_w, width = 26, 140, 560
    height = row * max(len(items), 1) + 10
    top = max((v for _, v in items), default=0) or 1
    parts = [f'<svg class="chart bar-chart" role="img" aria-label="{escape(title)}" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>"]
    for i, (label, value) in enumerate(items):
        y = 5 + i * row
        w = max(1.0, (width - label_w - 110) * value / top)
        parts.append(f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end" class="label">{escape(label)}</text>'
                     f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" '
                     f'fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(label)}: {value:,}{unit}</title></rect>'
                     f'<text x="{label_w + w + 6:.1f}" y="{y + 16}" class="value">{value:,}{escape(unit)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def pie_chart(items: Sequence[tuple[str, int]], title: str) -> Markup:
    """One slice per item with a value (class `slice`: a path, or a whole circle when one item has it all), and a
    legend with each share."""
    total = sum(v for _, v in items if v > 0)
    shown = [(label, v) for label, v in items if v > 0]
    r, cx, cy, width = 90, 100, 100, 480
    height = max(200, 24 * len(shown) + 20)
    parts = [f'<svg class="chart pie-chart" role="img" aria-label="{escape(title)}" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>"]
    start = -math.pi / 2
    for i, (label, value) in enumerate(shown):
        colour = PALETTE[i % len(PALETTE)]
        tip = f"<title>{escape(label)}: {100 * value / total:.2f}%</title>"
        if len(shown) == 1:
            parts.append(f'<circle class="slice" cx="{cx}" cy="{cy}" r="{r}" fill="{colour}">{tip}</circle>')
        else:
            end = start + 2 * math.pi * value / total
            x1, y1 = cx + r * math.cos(start), cy + r * math.sin(start)
            x2, y2 = cx + r * math.cos(end), cy + r * math.sin(end)
            large = 1 if end - start > math.pi else 0
            parts.append(f'<path class="slice" d="M{cx},{cy} L{x1:.2f},{y1:.2f} A{r},{r} 0 {large} 1 {x2:.2f},'
                         f'{y2:.2f} Z" fill="{colour}">{tip}</path>')
            start = end
        y = 20 + 24 * i
        parts.append(f'<rect x="215" y="{y - 12}" width="14" height="14" fill="{colour}"/>'
                     f'<text x="236" y="{y}" class="label">{escape(label)} ({100 * value / total:.1f}%)</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
