"""The demo's outcome questionnaire: the shipped "recovery status" instrument, loaded, and synthetic
responses for the demo patients at each time point their recovery has passed (seed_demo)."""

import datetime
import json
import random
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from outcomes.definition import items_of
from outcomes.models import Instrument, QuestionnaireResponse, ResponseStatus
from outcomes.scoring import score
from outcomes.services import instrument_load, outcome_alert_judge
from patients.models import Patient

SHIPPED = Path(__file__).resolve().parent / "instruments" / "recovery-status.json"


def shipped_instrument_load() -> Instrument:
    """Load the instrument the project wrote itself (the only one in the repository)."""
    with SHIPPED.open(encoding="utf-8") as f:
        return instrument_load(document=json.load(f))


def outcomes_demo_seed(*, seed: int = 1, now: datetime.datetime | None = None) -> int:
    """Load the shipped instrument and answer it for every demo patient at each time point whose
    window has opened: most patients improve, some stay, a few get worse. The responses written."""
    now = now or timezone.now()
    instrument = shipped_instrument_load()
    items = items_of(instrument.questionnaire)
    rng = random.Random(seed)
    written = 0
    with transaction.atomic():
        for patient in Patient.objects.order_by("id"):
            day = patient.recovery_day(patient.local_today(now))
            trend = rng.choices([-1.0, -0.4, 0.0, 0.35], weights=[6, 2, 1, 1])[0]  # item points a time point
            base = [rng.choice([2, 3, 3, 4]) for _ in items]
            rows = []
            for n, tp in enumerate(instrument.time_points.order_by("day")):
                if day < tp.start_day:
                    break
                values = [min(4, max(0, round(b + trend * n + rng.uniform(-0.5, 0.5)))) for b in base]
                answers = {i.link_id: str(v) for i, v in zip(items, values, strict=True)}
                result = score(items=items, method=instrument.scoring_method, answers=answers)
                answered = patient.surgery_date + datetime.timedelta(days=min(max(tp.day, tp.start_day), day, tp.end_day))
                rows.append(QuestionnaireResponse(
                    patient=patient, instrument=instrument, time_point=tp, status=ResponseStatus.COMPLETED, answers=answers,
                    raw_score=result.raw, score=result.score, channel="app", language=patient.language, authored_on=answered, completed_at=now,
                ))
            QuestionnaireResponse.objects.bulk_create(rows, ignore_conflicts=True)
            written += len(rows)
            if len(rows) > 1:
                outcome_alert_judge(patient=patient, now=now)
    return written
