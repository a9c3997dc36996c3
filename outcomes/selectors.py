"""Reads of the outcome questionnaires: what is due for a patient, a patient's scores per instrument,
the cohort's share reaching the MCID, and the rows the FHIR API and the exports need."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from outcomes.models import Instrument, QuestionnaireResponse, ResponseStatus, TimePoint
from outcomes.rules import ScorePoint, Series
from outcomes.schedule import time_point_on, window_dates
from patients.models import Patient
from patients.selectors import patients_for_nurse


def instruments_active() -> list[Instrument]:
    """The active instruments with their time points (two queries)."""
    return list(Instrument.objects.filter(active=True).prefetch_related(Prefetch("time_points", queryset=TimePoint.objects.order_by("day"))))


@dataclass(frozen=True)
class Due:
    instrument: Instrument
    time_point: TimePoint
    start: datetime.date
    end: datetime.date
    response: QuestionnaireResponse | None  # an incomplete one to resume

    @property
    def window(self) -> dict:
        return {"time_point": self.time_point.code, "label": self.time_point.label, "start": self.start, "end": self.end}


def questionnaires_due(*, patient: Patient, now: datetime.datetime | None = None, instruments: list[Instrument] | None = None) -> list[Due]:
    """The instruments whose time point window holds the patient's local today and that the patient
    has not completed for it. Queries: 3 (instruments, time points, the patient's responses)."""
    today = patient.local_today(now)
    instruments = instruments if instruments is not None else instruments_active()
    responses = {r.time_point_id: r for r in QuestionnaireResponse.objects.filter(patient=patient, instrument__in=instruments)}
    due = []
    for instrument in instruments:
        if not instrument.offered_after(patient.procedure):
            continue
        tp = time_point_on(instrument.time_points.all(), surgery_date=patient.surgery_date, date=today)
        if tp is None:
            continue
        response = responses.get(tp.pk)
        if response is not None and response.status == ResponseStatus.COMPLETED:
            continue
        start, end = window_dates(patient.surgery_date, tp.start_day, tp.end_day)
        due.append(Due(instrument, tp, start, end, response))
    return due


def _series(instrument: Instrument, responses: Iterable[QuestionnaireResponse], time_points: list[TimePoint]) -> Series:
    points = tuple(
        ScorePoint(r.time_point.code, r.time_point.label, r.time_point.day, r.time_point.baseline, r.score, r.authored_on)
        for r in sorted(responses, key=lambda r: r.time_point.day)
    )
    by = next((tp for tp in time_points if tp.code == instrument.improvement_by), None)
    return Series(
        instrument=instrument.code,
        title=instrument.title,
        mcid=instrument.mcid,
        higher_is_better=instrument.higher_is_better,
        points=points,
        improvement_by_day=by.day if by else None,
        improvement_by_label=by.label if by else "",
    )


def patient_outcome_series(*, patient: Patient, responses: list[QuestionnaireResponse] | None = None,
                           instruments: list[Instrument] | None = None) -> list[tuple[Instrument, Series]]:
    """Each instrument the patient completed a response to, with the completed scores in time point
    order. Queries: 2 (the responses with their instrument and time point; the instruments' time
    points), none for what the caller hands in (responses as patient_responses reads them, and
    instruments with their time points prefetched)."""
    if responses is None:
        responses = list(patient_responses(patient=patient))
    known = {i.pk: list(i.time_points.all()) for i in instruments or ()}
    by_instrument: dict[int, list[QuestionnaireResponse]] = defaultdict(list)
    found: dict[int, Instrument] = {}
    for r in responses:
        if r.status == ResponseStatus.COMPLETED:
            by_instrument[r.instrument_id].append(r)
            found[r.instrument_id] = r.instrument
    points: dict[int, list[TimePoint]] = defaultdict(list, known)
    missing = [pk for pk in found if pk not in known]
    if missing:
        for tp in TimePoint.objects.filter(instrument_id__in=missing).order_by("day"):
            points[tp.instrument_id].append(tp)
    return [(found[pk], _series(found[pk], rs, points[pk])) for pk, rs in by_instrument.items()]


def patient_responses(*, patient: Patient) -> QuerySet[QuestionnaireResponse]:
    return QuestionnaireResponse.objects.filter(patient=patient).select_related("instrument", "time_point").order_by("authored_on", "id")


def fhir_response(*, user, response_id: int) -> QuestionnaireResponse | None:
    """A response of one of the nurse's patients, or None."""
    return (
        QuestionnaireResponse.objects.filter(pk=response_id, patient__in=patients_for_nurse(user=user).values("pk"))
        .select_related("instrument", "time_point")
        .first()
    )


def instrument_by_canonical(canonical: str) -> Instrument | None:
    """`url|version` names one version; a bare `url` the active one."""
    url, _, version = canonical.partition("|")
    found = Instrument.objects.filter(url=url)
    found = found.filter(version=version) if version else found.filter(active=True)
    return found.prefetch_related("time_points").first()


@dataclass(frozen=True)
class McidShare:
    instrument: str
    title: str
    procedure: str
    time_point: str
    label: str
    day: int
    patients: int  # with a baseline and this time point completed
    reached: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.reached / self.patients) if self.patients else None


def cohort_mcid_share(*, clinic_ids: Iterable[int]) -> list[McidShare]:
    """Per instrument, procedure and time point after the baseline: of the clinics' patients with both
    a baseline and that time point completed, how many improved by the MCID or more. Queries: 1 (the
    completed scores, a few columns each); instruments by code, so versions count together."""
    rows = (
        QuestionnaireResponse.objects.filter(patient__clinic_id__in=list(clinic_ids), status=ResponseStatus.COMPLETED)
        .values_list(
            "patient_id", "patient__procedure", "instrument__code", "instrument__title", "instrument__mcid", "instrument__higher_is_better",
            "time_point__code", "time_point__label", "time_point__day", "time_point__baseline", "score",
        )
        .order_by()
    )
    baselines: dict[tuple[int, str], Decimal] = {}
    later = []
    meta = {}
    for pid, procedure, code, title, mcid, higher, tp, label, day, baseline, score in rows:
        meta[code] = (title, mcid, higher)
        if baseline:
            baselines[(pid, code)] = score
        else:
            later.append((pid, procedure, code, tp, label, day, score))
    counts: dict[tuple, list[int]] = {}
    labels: dict[tuple, tuple[str, int]] = {}
    for pid, procedure, code, tp, label, day, score in later:
        base = baselines.get((pid, code))
        if base is None:
            continue
        title, mcid, higher = meta[code]
        change = score - base if higher else base - score
        key = (code, procedure, tp)
        counts.setdefault(key, [0, 0])
        counts[key][0] += 1
        counts[key][1] += change >= mcid
        labels[key] = (label, day)
    shares = []
    for (code, procedure, tp), (n, reached) in counts.items():
        label, day = labels[(code, procedure, tp)]
        shares.append(McidShare(code, meta[code][0], procedure, tp, label, day, n, reached))
    return sorted(shares, key=lambda s: (s.instrument, s.procedure, s.day))


def patient_score_rows(*, patient: Patient) -> Iterator[dict]:
    """The patient's responses (oldest first) as plain values, for the record's export."""
    for r in patient_responses(patient=patient):
        yield {
            "date": r.authored_on,
            "recovery_day": (r.authored_on - patient.surgery_date).days,
            "at": r.completed_at or r.updated_at,
            "instrument": r.instrument.code,
            "time_point": r.time_point.code,
            "status": r.status,
            "score": r.score,
            "channel": r.channel,
            "text": f"{r.instrument.title} at {r.time_point.label}",
        }


COHORT_SCORE_COLUMNS = ["patient", "clinic", "procedure", "surgery_date", "instrument", "version", "time_point", "day", "date", "status", "score", "change_from_baseline", "reached_mcid"]


def cohort_score_rows(*, patients: QuerySet[Patient]) -> Iterator[list]:
    """One row per response of the patients (named by public id), with the change since the baseline."""
    responses = (
        QuestionnaireResponse.objects.filter(patient__in=patients.values("pk"))
        .select_related("patient", "patient__clinic", "instrument", "time_point")
        .order_by("patient_id", "instrument__code", "time_point__day")
    )
    baselines: dict[tuple[int, str], Decimal] = {}
    for r in responses.iterator(chunk_size=2000):
        change = reached = ""
        key = (r.patient_id, r.instrument.code)
        if r.time_point.baseline and r.score is not None:
            baselines[key] = r.score
        elif r.score is not None and key in baselines:
            delta = r.score - baselines[key] if r.instrument.higher_is_better else baselines[key] - r.score
            change, reached = delta, "yes" if delta >= r.instrument.mcid else "no"
        p = r.patient
        yield [p.public_id, p.clinic.name, p.procedure, p.surgery_date, r.instrument.code, r.instrument.version, r.time_point.code,
               (r.authored_on - p.surgery_date).days, r.authored_on, r.status, r.score if r.score is not None else "", change, reached]


def fhir_instruments(*, url: str | None = None, status: str | None = None) -> list[Instrument]:
    """Every loaded version; `url` the canonical; `status` `active` (the versions offered) or `retired`
    (those a newer version replaced)."""
    found = Instrument.objects.order_by("code", "version")
    if url:
        found = found.filter(url=url)
    if status == "active":
        found = found.filter(active=True)
    elif status:
        found = found.filter(active=False) if status == "retired" else found.none()
    return list(found)


def fhir_instrument(*, instrument_id: int) -> Instrument | None:
    return Instrument.objects.filter(pk=instrument_id).first()
