"""What the dashboard's patient page and cohort view show of the outcome questionnaires: composed here
from the selectors, so that the dashboard's views call one function each."""

from __future__ import annotations

from decimal import Decimal

from outcomes.charts import outcome_chart
from outcomes.definition import items_of
from outcomes.models import Instrument, ResponseStatus
from outcomes.schedule import window_dates
from outcomes.selectors import (
    cohort_mcid_share,
    instruments_active,
    patient_outcome_series,
    patient_responses,
)


def instrument_range(instrument: Instrument) -> tuple[Decimal, Decimal]:
    """The lowest and highest score the instrument gives."""
    items = items_of(instrument.questionnaire)
    if instrument.scoring_method == "percent":
        return Decimal(0), Decimal(100)
    if instrument.scoring_method == "lookup":
        values = [Decimal(v) for v in instrument.scoring["table"].values()]
        return min(values), max(values)
    return sum((i.min_points for i in items), Decimal(0)), sum((i.max_points for i in items), Decimal(0))


def patient_outcomes(*, patient, today) -> dict:
    """Per instrument: the chart, a row per completed time point (score, change, MCID reached), and the
    time points a nurse may enter now (window open or past, not completed). Queries: 2 (the active
    instruments, the patient's responses), and 1 more for their time points when any is loaded (and
    for those of an older version the patient answered)."""
    today_day = (today - patient.surgery_date).days
    instruments = instruments_active()
    responses = list(patient_responses(patient=patient))
    series_by_id = {
        instrument.pk: (instrument, series)
        for instrument, series in patient_outcome_series(patient=patient, responses=responses, instruments=instruments)
    }
    by_tp = {r.time_point_id: r for r in responses}
    sections = []
    for instrument in instruments:
        if not instrument.offered_after(patient.procedure) and instrument.pk not in series_by_id:
            continue
        pair = series_by_id.pop(instrument.pk, None)
        sections.append(_section(instrument, pair[1] if pair else None, patient, today, today_day, by_tp))
    for instrument, series in series_by_id.values():  # an older version answered before
        sections.append(_section(instrument, series, patient, today, today_day, by_tp, enter=False))
    return {"sections": sections, "incomplete": [r for r in responses if r.status == ResponseStatus.IN_PROGRESS]}


def _section(instrument, series, patient, today, today_day, by_tp, *, enter: bool = True) -> dict:
    rows = []
    if series is not None:
        for p in series.points:
            change = series.change(p) if not p.baseline else None
            rows.append({"point": p, "change": change, "reached": series.reached_mcid(p) if not p.baseline else None})
    enterable = []
    if enter:
        for tp in instrument.time_points.all():
            start, end = window_dates(patient.surgery_date, tp.start_day, tp.end_day)
            response = by_tp.get(tp.pk)
            if start <= today and (response is None or response.status != ResponseStatus.COMPLETED):
                enterable.append({"time_point": tp, "start": start, "end": end, "open": today <= end, "incomplete": response is not None})
    low, high = instrument_range(instrument)
    chart = outcome_chart(series=series, low=low, high=high, chart_id=f"outcome-{instrument.code}", today_day=today_day) if series else None
    return {"instrument": instrument, "series": series, "rows": rows, "chart": chart, "enterable": enterable}


def cohort_outcomes(*, clinic_ids) -> list[dict]:
    """The share of patients reaching the MCID, per instrument, procedure and time point."""
    from patients.choices import Procedure

    labels = dict(Procedure.choices)
    shares = cohort_mcid_share(clinic_ids=clinic_ids)
    tables: dict[str, dict] = {}
    for s in shares:
        table = tables.setdefault(s.instrument, {"instrument": s.instrument, "title": s.title, "time_points": {}, "rows": {}})
        table["time_points"][s.time_point] = (s.day, s.label)
        table["rows"].setdefault(s.procedure, {})[s.time_point] = s
    out = []
    for table in tables.values():
        points = sorted(table["time_points"].items(), key=lambda kv: kv[1][0])
        out.append({
            "instrument": table["instrument"],
            "title": table["title"],
            "time_points": [label for _, (_, label) in points],
            "rows": [
                {"procedure": labels.get(proc, proc), "cells": [cells.get(code) for code, _ in points]}
                for proc, cells in sorted(table["rows"].items())
            ],
        })
    return out

