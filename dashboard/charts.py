"""Charts drawn on the server as inline SVG: a patient's pain and walking against the protocol's expected
band, the milestone timeline, and the cohort's pain by day. No script is needed to read them.

Colour is never the only cue: values outside the expected range are drawn as diamonds (inside: circles),
red-flag days carry a triangle with "!", milestone states are written out, and every chart has a title,
a description and a table of the same data beside it.
"""

import math
from collections.abc import Callable, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy

from recovery.protocols import ProtocolPlan

WIDTH = 760
MARGIN_LEFT = 48
MARGIN_RIGHT = 20
MARGIN_TOP = 34
MARGIN_BOTTOM = 42


def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


class _Scale:
    """Maps a numeric domain onto a pixel range (linear)."""

    def __init__(self, domain: tuple[float, float], span: tuple[float, float]):
        self.d0, self.d1 = domain
        self.r0, self.r1 = span

    def __call__(self, value: float) -> float:
        if self.d1 == self.d0:
            return self.r0
        return self.r0 + (value - self.d0) * (self.r1 - self.r0) / (self.d1 - self.d0)


def _day_ticks(max_day: int) -> list[int]:
    step = 7 if max_day <= 63 else 14
    return list(range(0, max_day + 1, step))


def _axis_max_day(last_day: int, minimum: int = 14) -> int:
    """The x axis runs to the next whole week past today (at least two weeks)."""
    return max(minimum, int(math.ceil((last_day + 1) / 7.0)) * 7)


def _marker(shape: str, x: float, y: float, css: str, title: str, size: float = 4.5) -> str:
    t = f"<title>{escape(title)}</title>"
    if shape == "diamond":
        s = size * 1.35
        points = f"{_f(x)},{_f(y - s)} {_f(x + s)},{_f(y)} {_f(x)},{_f(y + s)} {_f(x - s)},{_f(y)}"
        return f'<polygon class="{css}" points="{points}">{t}</polygon>'
    return f'<circle class="{css}" cx="{_f(x)}" cy="{_f(y)}" r="{_f(size)}">{t}</circle>'


def _step_edge(days: range, bound: Callable[[int], float | None], x: _Scale, y: _Scale) -> list[list[tuple[float, float]]]:
    """The stepped edge of a bound, as runs of points (a run breaks where the bound is undefined)."""
    runs: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for day in days:
        value = bound(day)
        if value is None:
            if current:
                runs.append(current)
                current = []
            continue
        left, right = x(max(day - 0.5, days.start)), x(min(day + 0.5, days.stop - 1))
        current.extend([(left, y(value)), (right, y(value))])
    if current:
        runs.append(current)
    return runs


def _frame(
    *,
    chart_id: str,
    title: str,
    description: str,
    height: int,
    x: _Scale,
    y: _Scale,
    y_ticks: Sequence[float],
    y_label: str,
    max_day: int,
    body: list[str],
    today_day: int | None = None,
) -> SafeString:
    plot_left, plot_right = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    plot_top, plot_bottom = MARGIN_TOP, height - MARGIN_BOTTOM
    parts = [
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" preserveAspectRatio="xMidYMid meet" focusable="false">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        '<g class="grid" aria-hidden="true">',
    ]
    for tick in y_ticks:
        ty = y(tick)
        parts.append(f'<line x1="{plot_left}" x2="{plot_right}" y1="{_f(ty)}" y2="{_f(ty)}"/>')
        parts.append(f'<text class="tick" x="{plot_left - 8}" y="{_f(ty + 4)}" text-anchor="end">{_f(tick)}</text>')
    for tick in _day_ticks(max_day):
        tx = x(tick)
        parts.append(f'<line class="xtick" x1="{_f(tx)}" x2="{_f(tx)}" y1="{plot_bottom}" y2="{plot_bottom + 5}"/>')
        parts.append(f'<text class="tick" x="{_f(tx)}" y="{plot_bottom + 18}" text-anchor="middle">{tick}</text>')
    axis_label = escape(_("Post-operative day"))
    parts.append(
        f'<text class="axis-label" x="{(plot_left + plot_right) / 2:.0f}" y="{height - 6}" text-anchor="middle">{axis_label}</text>'
    )
    parts.append(
        f'<text class="axis-label" transform="translate(13 {(plot_top + plot_bottom) / 2:.0f}) rotate(-90)" '
        f'text-anchor="middle">{escape(y_label)}</text>'
    )
    parts.append(f'<line class="axis" x1="{plot_left}" x2="{plot_right}" y1="{plot_bottom}" y2="{plot_bottom}"/>')
    parts.append("</g>")
    parts.extend(body)
    if today_day is not None and 0 <= today_day <= max_day:
        # The label sits inside the plot, beside the line, clear of the red-flag markers above it.
        tx = x(today_day)
        near_right = tx > plot_right - 110
        lx, anchor = (tx - 5, "end") if near_right else (tx + 5, "start")
        parts.append(
            f'<g class="today" aria-hidden="true"><line x1="{_f(tx)}" x2="{_f(tx)}" y1="{plot_top}" y2="{plot_bottom}"/>'
            f'<text x="{_f(lx)}" y="{plot_top + 12}" text-anchor="{anchor}">{escape(_today(today_day))}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped, every number formatted


def _series_segments(points: list[tuple[int, float, float]]) -> list[str]:
    """Lines between logged values on consecutive days; a missed day breaks the line."""
    segments, run = [], []
    for day, px, py in points:
        if run and day != run[-1][0] + 1:
            if len(run) > 1:
                segments.append(run)
            run = []
        run.append((day, px, py))
    if len(run) > 1:
        segments.append(run)
    return [
        '<polyline class="series-line" points="' + " ".join(f"{_f(px)},{_f(py)}" for _, px, py in seg) + '"/>' for seg in segments
    ]


def pain_chart(*, days: list[dict], plan: ProtocolPlan, today_day: int, chart_id: str = "pain-chart") -> SafeString:
    """Worst pain per day against the expected upper bound (the shaded range is what is expected)."""
    height = 280
    max_day = _axis_max_day(today_day)
    x = _Scale((0, max_day), (MARGIN_LEFT, WIDTH - MARGIN_RIGHT))
    y = _Scale((0, 10), (height - MARGIN_BOTTOM, MARGIN_TOP))
    body = ['<g class="band" aria-hidden="true">']
    for run in _step_edge(range(0, max_day + 1), plan.pain_max, x, y):
        outline = " ".join(f"{_f(px)},{_f(py)}" for px, py in run)
        base = f"{_f(run[-1][0])},{_f(y(0))} {_f(run[0][0])},{_f(y(0))}"
        body.append(f'<polygon class="band-area" points="{outline} {base}"/>')
        body.append(f'<polyline class="band-edge" points="{outline}"/>')
    body.append("</g>")

    points, markers, flags = [], [], []
    above = 0
    for row in days:
        day = row["recovery_day"]
        if row["symptoms"]:
            fx = x(day)
            label = _("Day %(day)s (%(date)s): red-flag symptom reported: %(symptoms)s") % {
                "day": day, "date": row["date"].isoformat(), "symptoms": ", ".join(row["symptoms"])
            }
            flags.append(
                f'<g class="red-flag"><title>{escape(label)}</title>'
                f'<line x1="{_f(fx)}" x2="{_f(fx)}" y1="{MARGIN_TOP - 4}" y2="{height - MARGIN_BOTTOM}"/>'
                f'<polygon points="{_f(fx)},{MARGIN_TOP - 26} {_f(fx + 8)},{MARGIN_TOP - 12} {_f(fx - 8)},{MARGIN_TOP - 12}"/>'
                f'<text x="{_f(fx)}" y="{MARGIN_TOP - 14}" text-anchor="middle">!</text></g>'
            )
        if row["pain"] is None:
            continue
        bound = row["expected_pain_max"]
        outside = bound is not None and row["pain"] > bound
        above += outside
        px, py = x(day), y(row["pain"])
        points.append((day, px, py))
        expected = _("expected at most %(bound)s") % {"bound": bound} if bound is not None else _("no expected bound")
        title = _("Day %(day)s (%(date)s): pain %(pain)s, %(expected)s") % {
            "day": day, "date": row["date"].isoformat(), "pain": row["pain"], "expected": expected
        } + (" — " + _("above expected") if outside else "")
        markers.append(_marker("diamond" if outside else "circle", px, py, "point outside" if outside else "point", title))
    body.append('<g class="series">' + "".join(_series_segments(points)) + "".join(markers) + "</g>")
    body.append("".join(flags))

    logged = len(points)
    latest = next((r for r in reversed(days) if r["pain"] is not None), None)
    description = " ".join(
        [
            ngettext(
                "Worst pain of the day (0 to 10) on %(n)s logged day from surgery to day %(today)s, against the protocol's expected upper bound.",
                "Worst pain of the day (0 to 10) on %(n)s logged days from surgery to day %(today)s, against the protocol's expected upper bound.",
                logged,
            ) % {"n": logged, "today": today_day},
            _("Latest: %(pain)s on day %(day)s.") % {"pain": latest["pain"], "day": latest["recovery_day"]} if latest else _("No pain logged yet."),
            ngettext("%(n)s day above the expected bound;", "%(n)s days above the expected bound;", above) % {"n": above},
            ngettext("%(n)s red-flag day.", "%(n)s red-flag days.", len(flags)) % {"n": len(flags)},
        ]
    )
    return _frame(
        chart_id=chart_id,
        title=_("Pain by post-operative day"),
        description=description,
        height=height,
        x=x,
        y=y,
        y_ticks=range(0, 11, 2),
        y_label=_("Worst pain (0-10)"),
        max_day=max_day,
        body=body,
        today_day=today_day,
    )


def walking_chart(*, days: list[dict], plan: ProtocolPlan, today_day: int, chart_id: str = "walking-chart") -> SafeString:
    """Walking minutes per day against the expected lower bound (the shaded range is what is expected)."""
    height = 260
    max_day = _axis_max_day(today_day)
    logged = [r["walking_minutes"] for r in days if r["walking_minutes"] is not None]
    bounds = [plan.walking_min(d) or 0 for d in range(max_day + 1)]
    top = max([60, *logged, *bounds])
    top = int(math.ceil(top * 1.1 / 10.0)) * 10
    step = 10 if top <= 60 else 20 if top <= 120 else max(30, int(math.ceil(top / 6 / 30.0)) * 30)
    x = _Scale((0, max_day), (MARGIN_LEFT, WIDTH - MARGIN_RIGHT))
    y = _Scale((0, top), (height - MARGIN_BOTTOM, MARGIN_TOP))
    body = ['<g class="band" aria-hidden="true">']
    for run in _step_edge(range(0, max_day + 1), plan.walking_min, x, y):
        outline = " ".join(f"{_f(px)},{_f(py)}" for px, py in run)
        cap = f"{_f(run[-1][0])},{_f(y(top))} {_f(run[0][0])},{_f(y(top))}"
        body.append(f'<polygon class="band-area" points="{outline} {cap}"/>')
        body.append(f'<polyline class="band-edge" points="{outline}"/>')
    body.append("</g>")
    points, markers = [], []
    below = 0
    for row in days:
        if row["walking_minutes"] is None:
            continue
        day, minutes, bound = row["recovery_day"], row["walking_minutes"], row["expected_walking_min"]
        outside = bound is not None and minutes < bound
        below += outside
        px, py = x(day), y(minutes)
        points.append((day, px, py))
        expected = _("expected at least %(bound)s") % {"bound": bound} if bound is not None else _("no expected bound")
        title = _("Day %(day)s (%(date)s): walked %(minutes)s min, %(expected)s") % {
            "day": day, "date": row["date"].isoformat(), "minutes": minutes, "expected": expected
        } + (" — " + _("below expected") if outside else "")
        markers.append(_marker("diamond" if outside else "circle", px, py, "point outside" if outside else "point", title))
    body.append('<g class="series">' + "".join(_series_segments(points)) + "".join(markers) + "</g>")
    latest = next((r for r in reversed(days) if r["walking_minutes"] is not None), None)
    description = " ".join(
        [
            ngettext(
                "Minutes walked a day on %(n)s logged day from surgery to day %(today)s, against the protocol's expected lower bound.",
                "Minutes walked a day on %(n)s logged days from surgery to day %(today)s, against the protocol's expected lower bound.",
                len(points),
            ) % {"n": len(points), "today": today_day},
            _("Latest: %(minutes)s minutes on day %(day)s.") % {"minutes": latest["walking_minutes"], "day": latest["recovery_day"]}
            if latest
            else _("No walking logged yet."),
            ngettext("%(n)s day below the expected bound.", "%(n)s days below the expected bound.", below) % {"n": below},
        ]
    )
    return _frame(
        chart_id=chart_id,
        title=_("Walking by post-operative day"),
        description=description,
        height=height,
        x=x,
        y=y,
        y_ticks=range(0, top + 1, step),
        y_label=_("Walking (minutes)"),
        max_day=max_day,
        body=body,
        today_day=today_day,
    )


STATE_WORDS = {
    "reached": pgettext_lazy("milestone", "reached"),
    "upcoming": pgettext_lazy("milestone", "upcoming"),
    "due": pgettext_lazy("milestone", "due now"),
    "late": pgettext_lazy("milestone", "late"),
    "overdue": pgettext_lazy("milestone", "overdue"),
}


def _today(day: int) -> str:
    return _("today, day %(day)s") % {"day": day}


def milestone_timeline(
    *, milestones: list[dict], today_day: int, program_days: int, chart_id: str = "milestone-chart"
) -> SafeString:
    """Each milestone's expected window (solid), its grace until overdue (hatched), the day it was
    reached (a check mark) and its state in words, against today."""
    row_height = 30
    label_width = 200
    state_width = 128
    top_pad = 30
    height = top_pad + row_height * len(milestones) + 34
    horizon = max(
        [
            program_days,
            today_day,
            *[m["overdue_after"] or m["expected_by"] for m in milestones],
            *[m["expected_by"] for m in milestones],
        ]
    )
    max_day = int(math.ceil((horizon + 1) / 14.0)) * 14
    x = _Scale((0, max_day), (label_width, WIDTH - state_width))
    title = escape(_("Milestones against their expected windows"))
    parts = [
        f'<svg class="chart timeline" id="{chart_id}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" preserveAspectRatio="xMidYMid meet" focusable="false">',
        f'<title id="{chart_id}-title">{title}</title>',
    ]
    reached = [m for m in milestones if m["state"] == "reached"]
    overdue = [m for m in milestones if m["state"] == "overdue"]
    due = [m for m in milestones if m["state"] == "due"]
    late = [m for m in milestones if m["state"] == "late"]
    description = (
        _("Day %(day)s. %(reached)s of %(total)s milestones reached") % {"day": today_day, "reached": len(reached), "total": len(milestones)}
        + ("; " + _("overdue: %(names)s") % {"names": ", ".join(m["label"] for m in overdue)} if overdue else "; " + _("none overdue"))
        + ("; " + _("late: %(names)s") % {"names": ", ".join(m["label"] for m in late)} if late else "")
        + ("; " + _("due now: %(names)s") % {"names": ", ".join(m["label"] for m in due)} if due else "")
        + "."
    )
    parts.append(f'<desc id="{chart_id}-desc">{escape(description)}</desc>')
    parts.append(
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6" class="hatch-bg"/><line x1="0" y1="0" x2="0" y2="6" class="hatch-line"/></pattern></defs>'
    )
    plot_bottom = top_pad + row_height * len(milestones)
    parts.append('<g class="grid" aria-hidden="true">')
    for tick in range(0, max_day + 1, 14):
        tx = x(tick)
        parts.append(f'<line x1="{_f(tx)}" x2="{_f(tx)}" y1="{top_pad - 4}" y2="{plot_bottom}"/>')
        parts.append(f'<text class="tick" x="{_f(tx)}" y="{plot_bottom + 16}" text-anchor="middle">{tick}</text>')
    axis_label = escape(_("Post-operative day"))
    parts.append(
        f'<text class="axis-label" x="{(label_width + WIDTH - state_width) / 2:.0f}" y="{height - 4}" text-anchor="middle">{axis_label}</text>'
    )
    parts.append("</g>")
    for index, m in enumerate(milestones):
        cy = top_pad + row_height * index + row_height / 2
        state = m["state"]
        x0, x1 = x(m["expected_from"] - 0.5 if m["expected_from"] > 0 else 0), x(m["expected_by"] + 0.5)
        window = _("expected from day %(start)s to day %(end)s") % {"start": m["expected_from"], "end": m["expected_by"]}
        if m["overdue_after"] is not None:
            window += ", " + _("overdue after day %(day)s") % {"day": m["overdue_after"]}
        row = [f'<g class="milestone state-{state}"><title>{escape(m["label"])}: {escape(window)}; {escape(STATE_WORDS[state])}</title>']
        row.append(f'<text class="label" x="{label_width - 10}" y="{_f(cy + 4)}" text-anchor="end">{escape(m["label"])}</text>')
        row.append(f'<rect class="window" x="{_f(x0)}" y="{_f(cy - 7)}" width="{_f(max(x1 - x0, 3))}" height="14" rx="3"/>')
        if m["overdue_after"] is not None and m["overdue_after"] > m["expected_by"]:
            g1 = x(m["overdue_after"] + 0.5)
            row.append(f'<rect class="grace" x="{_f(x1)}" y="{_f(cy - 7)}" width="{_f(g1 - x1)}" height="14" rx="3"/>')
        if m["reached_day"] is not None:
            rx = x(m["reached_day"])
            row.append(
                f'<g class="reached-mark"><circle cx="{_f(rx)}" cy="{_f(cy)}" r="8"/>'
                f'<path d="M{_f(rx - 4)} {_f(cy)} l3 3 l5 -6"/></g>'
            )
        if state == "reached":
            words = "✓ " + _("reached day %(day)s") % {"day": m["reached_day"]}
        else:
            words = {"overdue": "✕ ", "late": "◐ ", "due": "● "}.get(state, "○ ") + str(STATE_WORDS[state])
        row.append(f'<text class="state" x="{WIDTH - state_width + 10}" y="{_f(cy + 4)}">{escape(words)}</text>')
        row.append("</g>")
        parts.append("".join(row))
    if 0 <= today_day <= max_day:
        tx = x(today_day)
        parts.append(
            f'<g class="today" aria-hidden="true"><line x1="{_f(tx)}" x2="{_f(tx)}" y1="{top_pad - 8}" y2="{plot_bottom}"/>'
            f'<text x="{_f(tx)}" y="{top_pad - 12}" text-anchor="middle">{escape(_today(today_day))}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped, every number formatted


def _bar_title(day: int, patients: int) -> str:
    return ngettext("Day %(day)s: %(n)s patient", "Day %(day)s: %(n)s patients", patients) % {"day": day, "n": patients}


def _runs_of_days(rows: list) -> list[list]:
    """Rows split where a day is missing: a band is not drawn across days without a median."""
    runs: list[list] = []
    for r in rows:
        if runs and r.recovery_day == runs[-1][-1].recovery_day + 1:
            runs[-1].append(r)
        else:
            runs.append([r])
    return runs


def cohort_pain_chart(*, rows: list, plan: ProtocolPlan | None, max_day: int, chart_id: str, label: str) -> SafeString:
    """The median worst pain per post-operative day across a procedure's patients, with the range of
    the middle half of patients (shaded), against the expected upper bound (dashed); under it, bars of
    how many patients logged pain each day. Days with too few patients for a median (the selector
    leaves it None) have their bar, and no median or band."""
    height = 270
    count_height = 26
    x = _Scale((0, max_day), (MARGIN_LEFT, WIDTH - MARGIN_RIGHT))
    y = _Scale((0, 10), (height - MARGIN_BOTTOM - count_height - 6, MARGIN_TOP))
    body = []
    if plan is not None:
        body.append('<g class="bound" aria-hidden="true">')
        for run in _step_edge(range(0, max_day + 1), plan.pain_max, x, y):
            body.append('<polyline class="band-edge" points="' + " ".join(f"{_f(px)},{_f(py)}" for px, py in run) + '"/>')
        body.append("</g>")
    with_median = [r for r in rows if r.median is not None]
    for run in _runs_of_days(with_median):
        upper = " ".join(f"{_f(x(r.recovery_day))},{_f(y(r.p75))}" for r in run)
        lower = " ".join(f"{_f(x(r.recovery_day))},{_f(y(r.p25))}" for r in reversed(run))
        body.append(f'<polygon class="iqr" aria-hidden="true" points="{upper} {lower}"/>')
    # How many patients each day's median stands on, as bars along the foot of the chart.
    most = max((r.patients for r in rows), default=0)
    bar_bottom = height - MARGIN_BOTTOM
    bar_width = max(1.0, (x(1) - x(0)) * 0.7)
    bars = ['<g class="counts">']
    for r in rows:
        h = count_height * r.patients / most if most else 0
        css = "count-bar" if r.median is not None else "count-bar few"
        bars.append(
            f'<rect class="{css}" x="{_f(x(r.recovery_day) - bar_width / 2)}" y="{_f(bar_bottom - h)}" '
            f'width="{_f(bar_width)}" height="{_f(h)}"><title>{escape(_bar_title(r.recovery_day, r.patients))}</title></rect>'
        )
    if most:
        words = escape(_("patients a day (most: %(most)s)") % {"most": most})
        bars.append(f'<text class="tick" x="{WIDTH - MARGIN_RIGHT}" y="{_f(bar_bottom - count_height - 2)}" text-anchor="end">{words}</text>')
    bars.append("</g>")
    body.extend(bars)
    points, markers = [], []
    above = 0
    for r in with_median:
        bound = plan.pain_max(r.recovery_day) if plan else None
        outside = bound is not None and r.median > bound
        above += outside
        px, py = x(r.recovery_day), y(r.median)
        points.append((r.recovery_day, px, py))
        title = ngettext(
            "Day %(day)s: median pain %(median)s (middle half %(low)s to %(high)s) of %(n)s patient",
            "Day %(day)s: median pain %(median)s (middle half %(low)s to %(high)s) of %(n)s patients",
            r.patients,
        ) % {"day": r.recovery_day, "median": _f(r.median), "low": _f(r.p25), "high": _f(r.p75), "n": r.patients} + (
            ", " + _("expected at most %(bound)s") % {"bound": bound} if bound is not None else ""
        )
        markers.append(
            _marker("diamond" if outside else "circle", px, py, "point outside" if outside else "point", title, size=3.2)
        )
    body.append('<g class="series">' + "".join(_series_segments(points)) + "".join(markers) + "</g>")
    few = len(rows) - len(with_median)
    description = ngettext(
        "%(label)s: median worst pain on %(days)s post-operative days with enough check-ins, against the expected upper bound; the median is above the bound on %(n)s day.",
        "%(label)s: median worst pain on %(days)s post-operative days with enough check-ins, against the expected upper bound; the median is above the bound on %(n)s days.",
        above,
    ) % {"label": label, "days": len(with_median), "n": above} + (
        " " + ngettext(
            "%(n)s day with too few patients for a median shows only its count.",
            "%(n)s days with too few patients for a median show only their count.",
            few,
        ) % {"n": few}
        if few
        else ""
    )
    return _frame(
        chart_id=chart_id,
        title=_("Median pain by post-operative day, %(label)s") % {"label": label},
        description=description,
        height=height,
        x=x,
        y=y,
        y_ticks=range(0, 11, 2),
        y_label=_("Worst pain (0-10)"),
        max_day=max_day,
        body=body,
    )
