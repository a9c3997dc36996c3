"""The demo's questionnaire (seed_demo loads the shipped instrument and answers it for the demo patients)
and the admin of responses, read-only and audited as every admin page of patient data."""

import pytest
from django.core.management import call_command

from outcomes.models import Instrument, QuestionnaireResponse
from patients.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_the_shipped_instrument_and_answers_it_for_the_demo_patients(capsys):
    call_command("seed_demo", patients=8, days=120, seed=3)
    instrument = Instrument.objects.get(active=True)
    assert instrument.code == "recovery-status"
    responses = QuestionnaireResponse.objects.all()
    assert responses.exists() and all(r.status == "completed" and r.score is not None for r in responses)
    # Each patient answered every time point whose window has opened, the baseline first.
    for patient_id in set(responses.values_list("patient_id", flat=True)):
        codes = list(responses.filter(patient_id=patient_id).order_by("time_point__day").values_list("time_point__code", flat=True))
        assert codes == ["baseline", "6w", "3m", "6m", "12m"][: len(codes)]
    assert "Outcome questionnaire: recovery status" in capsys.readouterr().out


def test_the_admin_shows_responses_read_only_and_audits_each_page(client, make_patient, answer):
    from django.contrib.auth import get_user_model

    patient = make_patient(surgery_days_ago=45)
    response = answer(patient, "6w", [1, 1, 1, 1, 1])
    client.force_login(get_user_model().objects.create_superuser("root.admin", "root@example.org", "a-long-test-password-1"))
    for page, action in (("", "list"), (f"{response.pk}/change/", "view")):
        before = AuditEvent.objects.filter(channel="admin", patient=patient).count()
        assert client.get(f"/admin/outcomes/questionnaireresponse/{page}").status_code == 200
        rows = AuditEvent.objects.filter(channel="admin", patient=patient).order_by("id")[before:]
        assert [r.action for r in rows] == [action]
    assert client.post(f"/admin/outcomes/questionnaireresponse/{response.pk}/change/", {"status": "in-progress"}).status_code == 403
