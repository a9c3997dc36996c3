"""A patient's scores of one instrument over time as inline SVG, drawn on the server as dashboard/charts.py
draws the daily charts: the baseline and the MCID as lines, each time point a marker (a circle where
the MCID is reached, a diamond where the score is worse than the baseline, a square otherwise), with a
title, a description and a table of the same data beside it on the page. No script."""

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from outcomes.rules import Series

WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 20, 30, 42


def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _n(value: Decimal) -> str:
    return f"{value.normalize():f}"


def outcome_chart(*, series: Series, low: Decimal, high: Decimal, chart_id: str, today_day: int | None = None) -> SafeString:
    """The chart of one instrument's series, y from `low` to `high` (the instrument's range)."""
    points = series.points
    base = series.baseline
    days = [p.day for p in points] + ([today_day] if today_day is not None else [])
    x0, x1 = min([-14, *days]), max([90, *days])
    span_x = (x1 - x0) or 1
    span_y = float(high - low) or 1.0

    def x(day: float) -> float:
        return LEFT + (day - x0) * (WIDTH - LEFT - RIGHT) / span_x

    def y(value: Decimal) -> float:
        return HEIGHT - BOTTOM - float(value - low) * (HEIGHT - TOP - BOTTOM) / span_y

    better = "higher" if series.higher_is_better else "lower"
    described = ", ".join(f"{p.label} {_n(p.score)}" for p in points) or "no completed responses"
    parts = [
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        'preserveAspectRatio="xMidYMid meet" focusable="false">',
        f'<title id="{chart_id}-title">{escape(series.title)} scores over time ({better} is better)</title>',
        f'<desc id="{chart_id}-desc">{escape(described)}. MCID {_n(series.mcid)}.</desc>',
        '<g class="grid" aria-hidden="true">',
    ]
    for tick in range(5):
        value = low + (high - low) * tick / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_f(y(value))}" y2="{_f(y(value))}"/>')
        parts.append(f'<text class="tick" x="{LEFT - 8}" y="{_f(y(value) + 4)}" text-anchor="end">{_f(float(value))}</text>')
    for p in points:
        parts.append(f'<text class="tick" x="{_f(x(p.day))}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle">{escape(p.label)}</text>')
    parts.append(f'<text class="axis-label" x="{(LEFT + WIDTH - RIGHT) / 2:.0f}" y="{HEIGHT - 6}" text-anchor="middle">Post-operative day (time points)</text>')
    parts.append(f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{HEIGHT - BOTTOM}" y2="{HEIGHT - BOTTOM}"/>')
    parts.append("</g>")
    if base is not None:
        target = base.score + series.mcid if series.higher_is_better else base.score - series.mcid
        target = min(max(target, low), high)
        parts.append(f'<line class="outcome-baseline" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_f(y(base.score))}" y2="{_f(y(base.score))}" stroke-dasharray="6 4"/>')
        parts.append(f'<text class="band-label" x="{WIDTH - RIGHT - 4}" y="{_f(y(base.score) - 4)}" text-anchor="end">Baseline {_n(base.score)}</text>')
        parts.append(f'<line class="outcome-mcid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_f(y(target))}" y2="{_f(y(target))}" stroke-dasharray="2 3"/>')
        parts.append(f'<text class="band-label" x="{WIDTH - RIGHT - 4}" y="{_f(y(target) - 4)}" text-anchor="end">MCID reached beyond {_n(target)}</text>')
    line = " ".join(f"{_f(x(p.day))},{_f(y(p.score))}" for p in points)
    if len(points) > 1:
        parts.append(f'<polyline class="series-line" fill="none" points="{line}"/>')
    for p in points:
        cx, cy = x(p.day), y(p.score)
        reached = series.reached_mcid(p) if not p.baseline else None
        change = series.change(p)
        words = f"{p.label} (day {p.day}): {_n(p.score)}"
        if p.baseline:
            shape, css = "circle", "point baseline"
        elif reached:
            shape, css, words = "circle", "point in-range", words + ", MCID reached"
        elif change is not None and change < 0:
            shape, css, words = "diamond", "point out-of-range", words + ", worse than before surgery"
        else:
            shape, css, words = "square", "point", words + ", MCID not reached"
        title = f"<title>{escape(words)}</title>"
        if shape == "diamond":
            s = 6.0
            parts.append(f'<polygon class="{css}" points="{_f(cx)},{_f(cy - s)} {_f(cx + s)},{_f(cy)} {_f(cx)},{_f(cy + s)} {_f(cx - s)},{_f(cy)}">{title}</polygon>')
        elif shape == "square":
            parts.append(f'<rect class="{css}" x="{_f(cx - 4.5)}" y="{_f(cy - 4.5)}" width="9" height="9">{title}</rect>')
        else:
            parts.append(f'<circle class="{css}" cx="{_f(cx)}" cy="{_f(cy)}" r="4.5">{title}</circle>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
