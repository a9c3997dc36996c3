"""The outcomes in the nurses' dashboard: the patient page's chart and table against the baseline and
the MCID, a questionnaire entered from a phone call, the cohort's share reaching the MCID by procedure
and time point, the exports with the scores; clinic B's nurse sees none of clinic A."""

import csv
import io

import pytest

from outcomes.models import QuestionnaireResponse
from patients.models import AuditEvent

pytestmark = pytest.mark.django_db


def _page(client, patient) -> str:
    response = client.get(f"/patients/{patient.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_patient_page_charts_the_scores_against_the_baseline_and_the_mcid(nurse_client_a, make_patient, answer):
    patient = make_patient(surgery_days_ago=100)
    answer(patient, "baseline", [3, 3, 3, 3, 3])  # 75
    answer(patient, "6w", [2, 2, 2, 2, 2])  # 50: improved by 25
    answer(patient, "3m", [3, 3, 3, 3, 2])  # 70: improved by 5 by the set point
    html = _page(nurse_client_a, patient)
    assert 'id="outcome-recovery-status"' in html and "<title id=\"outcome-recovery-status-title\">Recovery status scores over time (lower is better)</title>" in html
    assert "Baseline 75" in html and "MCID reached beyond 60" in html
    table = html[html.index('id="outcome-recovery-status-scores"'):]
    assert "6 weeks</th><td>" in table and ">50</td>" in table and "✓</span> reached" in table
    assert ">3 months</th>" in table and "✕</span> not reached" in table
    assert "6 months, MCID not reached" not in html
    # The 3-month score raised the outcome alert, shown with the others.
    assert "Recovery status at 3 months: 70 against 75 before surgery, improved by 5" in html


def test_a_nurse_enters_a_questionnaire_from_a_phone_call(nurse_client_a, nurse_a, make_patient, instrument):
    patient = make_patient(surgery_days_ago=40)
    html = _page(nurse_client_a, patient)
    tp = instrument.time_points.get(code="6w")
    entry = f"/patients/{patient.pk}/questionnaires/{tp.pk}/"
    assert f'href="{entry}"' in html
    form = nurse_client_a.get(entry)
    assert form.status_code == 200 and "How long can you walk before you have to stop?" in form.content.decode()

    # Half answered, saved as incomplete.
    saved = nurse_client_a.post(entry, {"rs-pain": "1", "rs-walk": "2", "action": "save"})
    assert saved.status_code == 302
    kept = QuestionnaireResponse.objects.get(patient=patient)
    assert (kept.status, kept.channel, kept.entered_by, kept.score) == ("in-progress", "staff", nurse_a, None)
    # Completing with questions missing names them and completes nothing.
    missing = nurse_client_a.post(entry, {"rs-pain": "1", "action": "complete"})
    assert missing.status_code == 400 and missing.content.decode().count("Required: ask this one") == 3
    done = nurse_client_a.post(entry, {"rs-pain": "1", "rs-walk": "2", "rs-sleep": "1", "rs-care": "0", "rs-usual": "0", "action": "complete"})
    assert done.status_code == 302
    kept.refresh_from_db()
    assert (kept.status, str(kept.score)) == ("completed", "20.00")
    assert nurse_client_a.post(entry, {"rs-pain": "4", "action": "complete"}).status_code == 302  # closed: unchanged
    kept.refresh_from_db()
    assert kept.answers["rs-pain"] == "1"
    rows = AuditEvent.objects.filter(patient=patient, resource="questionnaire_responses", channel="dashboard", actor=nurse_a)
    assert sorted(rows.values_list("action", flat=True)) == ["create", "update", "view", "view"]  # the form, and sent back once


def test_a_bad_answer_from_the_nurse_is_a_400_naming_the_question(nurse_client_a, make_patient, instrument):
    patient = make_patient(surgery_days_ago=40)
    tp = instrument.time_points.get(code="6w")
    response = nurse_client_a.post(f"/patients/{patient.pk}/questionnaires/{tp.pk}/", {"rs-pain": "9", "action": "save"})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not QuestionnaireResponse.objects.exists()


def test_another_clinics_nurse_sees_and_enters_nothing(nurse_client_b, make_patient, instrument):
    patient = make_patient(surgery_days_ago=40)
    tp = instrument.time_points.get(code="6w")
    assert nurse_client_b.get(f"/patients/{patient.pk}/questionnaires/{tp.pk}/").status_code == 404
    assert nurse_client_b.post(f"/patients/{patient.pk}/questionnaires/{tp.pk}/", {"rs-pain": "1"}).status_code == 404
    assert not QuestionnaireResponse.objects.exists()


def test_the_cohort_shows_the_share_reaching_the_mcid_by_procedure_and_time_point(nurse_client_a, make_patient, answer, clinic_b):
    for n, (procedure, six_weeks) in enumerate([("acdf", [1, 1, 1, 1, 1]), ("acdf", [3, 3, 3, 3, 3]), ("acdf", [2, 2, 2, 2, 2]),
                                                ("mis_lumbar_fusion", [0, 0, 0, 0, 0])]):
        patient = make_patient(surgery_days_ago=45, procedure=procedure)
        answer(patient, "baseline", [3, 3, 3, 3, 3])  # 75
        answer(patient, "6w", six_weeks)  # 25 (reached), 75 (not), 50 (reached: 25 >= 15), 0 (reached)
    no_baseline = make_patient(surgery_days_ago=45, procedure="acdf")
    answer(no_baseline, "6w", [4, 4, 4, 4, 4])  # not counted: no baseline
    other = make_patient(clinic=clinic_b, surgery_days_ago=45, procedure="acdf")
    answer(other, "baseline", [0, 0, 0, 0, 0])
    answer(other, "6w", [4, 4, 4, 4, 4])  # clinic B: not counted
    html = nurse_client_a.get("/cohort/").content.decode()
    section = html[html.index('id="cohort-outcomes-title"'):]
    section = section[: section.index("</section>")]
    assert "<th scope=\"col\">6 weeks</th>" in section
    acdf = section[section.index("Anterior cervical"):]
    assert acdf.startswith("Anterior cervical") and "<strong>67%</strong> <span class=\"muted small\">(2 of 3)</span>" in acdf
    assert "<strong>100%</strong> <span class=\"muted small\">(1 of 1)</span>" in section


def test_the_exports_carry_the_scores(nurse_client_a, staff_client_a, make_patient, answer):
    patient = make_patient(surgery_days_ago=45)
    answer(patient, "baseline", [3, 3, 3, 3, 3])
    answer(patient, "6w", [1, 1, 1, 1, 1])
    for path in (f"/patients/{patient.pk}/export.csv", f"/api/v1/patients/{patient.pk}/export.csv"):  # the dashboard's and the staff API's
        client = nurse_client_a if path.startswith("/patients") else staff_client_a
        record = list(csv.reader(io.StringIO(b"".join(client.get(path).streaming_content).decode())))
        header = record[0]
        assert header[-3:] == ["instrument", "time_point", "score"]
        rows = [dict(zip(header, r, strict=True)) for r in record[1:] if r[0] == "questionnaire"]
        assert [(r["time_point"], r["score"], r["status"]) for r in rows] == [("baseline", "75.00", "completed"), ("6w", "25.00", "completed")]
    cohort = nurse_client_a.get("/cohort/scores.csv")
    lines = list(csv.reader(io.StringIO(b"".join(cohort.streaming_content).decode())))
    assert lines[0][:2] == ["patient", "clinic"] and len(lines) == 3
    assert lines[2][-3:] == ["25.00", "50.00", "yes"]
    assert patient.last_name not in "".join(",".join(line) for line in lines)
    assert AuditEvent.objects.filter(resource="cohort_scores", action="export").count() == 1
    assert nurse_client_a.get("/cohort/scores.csv?clinic=999999").status_code == 400


def test_the_patient_page_takes_a_fixed_number_of_queries_with_questionnaires(nurse_client_a, make_patient, answer, django_assert_num_queries):
    # The page's 18 (tests/dashboard/test_patient_page.py: the active instruments and the patient's
    # responses among them), and 19 the loaded instruments' time points.
    patient = make_patient(surgery_days_ago=100)
    answer(patient, "baseline", [3, 3, 3, 3, 3])
    with django_assert_num_queries(19):
        nurse_client_a.get(f"/patients/{patient.pk}/")
    answer(patient, "6w", [2, 2, 2, 2, 2])
    answer(patient, "3m", [1, 1, 1, 1, 1])
    with django_assert_num_queries(19):
        nurse_client_a.get(f"/patients/{patient.pk}/")
