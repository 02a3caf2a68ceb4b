"""Bar charts drawn on the server as SVG: no JavaScript, no chart library, CSP-safe.

Only presentation attributes are used (no style attributes), so a strict
Content-Security-Policy without 'unsafe-inline' still renders them.
"""

from django.utils.html import format_html, format_html_join

from articles.text import short_count

WIDTH = 720
HEIGHT = 200
LEFT, RIGHT, TOP, BOTTOM = 48, 8, 16, 28

GRID = '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#ddd"/>'
TICK = '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="#555">{}</text>'
BAR = '<rect x="{}" y="{}" width="{}" height="{}" fill="#b50000"><title>{}</title></rect>'
LABEL = '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="#555">{}</text>'


def nice_ceiling(value):
    """The smallest 1, 2 or 5 times a power of ten that is at least `value`."""
    if value <= 1:
        return 1
    scale = 1
    while scale * 10 < value:
        scale *= 10
    return next(step * scale for step in (1, 2, 5, 10) if step * scale >= value)


def axis_label(value):
    value = int(value)
    return short_count(value)  # 1.5万, or 15,000 in the English admin


def bar_chart(points, title, label_every=1, width=WIDTH, height=HEIGHT):
    """An accessible SVG bar chart of [(label, value)]; every bar has a tooltip."""
    inner_w, inner_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    top = nice_ceiling(max((value for _label, value in points), default=0))
    slot = inner_w / max(len(points), 1)
    bar_w = max(slot * 0.8, 1)
    bars, labels = [], []
    for index, (label, value) in enumerate(points):
        bar_h = inner_h * value / top
        x = LEFT + index * slot + (slot - bar_w) / 2
        y = TOP + inner_h - bar_h
        bars.append((f"{x:.1f}", f"{y:.1f}", f"{bar_w:.1f}", f"{bar_h:.1f}", f"{label}：{value}"))
        if index % label_every == 0:
            labels.append((f"{x + bar_w / 2:.1f}", height - 8, label))
    grid, ticks = [], []
    for fraction in (0, 0.5, 1):
        y = f"{TOP + inner_h * (1 - fraction):.1f}"
        grid.append((LEFT, y, width - RIGHT, y))
        ticks.append((LEFT - 6, y, axis_label(top * fraction)))
    return format_html(
        '<svg class="reads-chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="{}" '
        'height="{}" xmlns="http://www.w3.org/2000/svg"><title>{}</title>{}{}{}{}</svg>',
        title,
        width,
        height,
        width,
        height,
        title,
        format_html_join("", GRID, grid),
        format_html_join("", TICK, ticks),
        format_html_join("", BAR, bars),
        format_html_join("", LABEL, labels),
    )
