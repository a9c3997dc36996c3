"""The database holds the invariants, and the protocol migration loads the defaults of clinical.md."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from recovery.models import Alert, DailyRecord, RecoveryProtocol


@pytest.mark.django_db
def test_the_migration_loads_the_four_default_protocols():
    protocols = {p.procedure: p for p in RecoveryProtocol.objects.prefetch_related("milestones", "bands")}
    assert set(protocols) == {"mis_lumbar_fusion", "open_lumbar_fusion", "acdf", "posterior_cervical_fusion"}
    assert all(p.program_days == 90 for p in protocols.values())

    def window(procedure, milestone):
        m = next(m for m in protocols[procedure].milestones.all() if m.milestone == milestone)
        return (m.expected_from, m.expected_by, m.overdue_after, m.alert_when_overdue)

    assert window("mis_lumbar_fusion", "first_walk") == (0, 0, 1, True)
    assert window("open_lumbar_fusion", "discharged") == (1, 5, 7, True)
    assert window("acdf", "normal_diet") == (0, 1, 3, False)
    assert window("posterior_cervical_fusion", "off_opioids") == (14, 35, 56, True)
    assert window("mis_lumbar_fusion", "driving") == (14, 28, None, False)
    assert window("open_lumbar_fusion", "normal_activities") == (42, 84, 112, True)
    assert window("acdf", "brace_off") == (14, 42, None, False)

    def bands(procedure, measure):
        return [(b.from_day, b.value) for b in protocols[procedure].bands.all() if b.measure == measure]

    assert bands("mis_lumbar_fusion", "pain_max") == [(0, 8), (4, 7), (8, 6), (15, 5), (29, 4), (43, 3)]
    assert bands("acdf", "pain_max") == bands("mis_lumbar_fusion", "pain_max")
    assert bands("posterior_cervical_fusion", "pain_max") == [(0, 8), (4, 8), (8, 7), (15, 6), (29, 5), (43, 4)]
    assert bands("mis_lumbar_fusion", "walking_min") == [(1, 5), (4, 10), (8, 15), (15, 20), (29, 30)]
    assert bands("open_lumbar_fusion", "walking_min") == [(1, 3), (4, 5), (8, 10), (15, 15), (29, 20)]


def test_the_database_refuses_a_second_daily_record_for_a_patient_and_date(patient_a):
    day = patient_a.surgery_date + datetime.timedelta(days=2)
    DailyRecord.objects.create(patient=patient_a, date=day, pain=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        DailyRecord.objects.create(patient=patient_a, date=day, pain=5)


def test_the_database_refuses_pain_outside_0_to_10(patient_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        DailyRecord.objects.create(patient=patient_a, date=patient_a.surgery_date, pain=11)


def test_the_database_holds_one_open_alert_per_patient_and_kind(patient_a):
    fields = {"patient": patient_a, "kind": "pain_high", "severity": "high", "recovery_day": 5, "evidence_date": patient_a.surgery_date, "message": "m"}
    Alert.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(**fields, status="acknowledged")
    # A resolved one does not count: a new open alert of the same kind may follow it.
    Alert.objects.filter(patient=patient_a).update(status="resolved")
    Alert.objects.create(**fields)
    assert Alert.objects.filter(patient=patient_a, kind="pain_high").count() == 2
