"""The read-only FHIR R4 API: what an EHR reading a clinic's patients gets, validated against the R4B
models of fhir.resources; scoped to the caller's clinics, audited, and every error an OperationOutcome."""

import datetime
import uuid

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse as FhirQuestionnaireResponse

from patients.models import AuditEvent
from recovery.models import Alert
from recovery.services import checkin_submit

pytestmark = pytest.mark.django_db

FHIR_JSON = "application/fhir+json"
MODELS = {"Patient": FhirPatient, "Observation": Observation, "Flag": Flag, "QuestionnaireResponse": FhirQuestionnaireResponse}


def fhir(client, url, status=200, **params):
    response = client.get(url, params)
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(FHIR_JSON)
    return response.json()


def valid_bundle(body) -> Bundle:
    """The Bundle and each resource in it, through the R4B models (a wrong field or type raises)."""
    bundle = Bundle.model_validate(body)
    for entry in body.get("entry", []):
        resource = entry["resource"]
        MODELS[resource["resourceType"]].model_validate(resource)
    return bundle


def log(patient, day, **fields):
    checkin_submit(patient=patient, client_id=uuid.uuid4(), date=patient.surgery_date + datetime.timedelta(days=day), fields=fields)


def alert_for(patient, *, kind="pain_high", status="open", day=5, **fields):
    return Alert.objects.create(
        patient=patient,
        kind=kind,
        severity="high",
        status=status,
        recovery_day=day,
        evidence_date=patient.surgery_date + datetime.timedelta(days=day),
        message=f"{kind} on day {day}",
        **fields,
    )


@pytest.fixture
def patient_b(make_patient, clinic_b):
    return make_patient(clinic=clinic_b, first_name="Bea", last_name="Othertest")


@pytest.fixture
def logged_patient(patient_a):
    log(patient_a, 1, pain=7, walking_minutes=5, steps=800, opioid_use=True)
    log(patient_a, 2, pain=6)
    log(patient_a, 3, pain=5, walking_minutes=15, opioid_use=False)
    return patient_a


# -- metadata -------------------------------------------------------------------------------------

def test_the_capability_statement_is_open_and_valid(client):
    body = fhir(client, "/fhir/R4/metadata")
    statement = CapabilityStatement.model_validate(body)
    types = {r.type for r in statement.rest[0].resource}
    assert types == {"Patient", "Observation", "Flag", "QuestionnaireResponse", "Questionnaire"}
    assert statement.fhirVersion == "4.0.1"


# -- who may call ---------------------------------------------------------------------------------

def test_no_token_is_a_401_operation_outcome(client, patient_a):
    body = fhir(client, f"/fhir/R4/Patient/{patient_a.pk}", status=401)
    OperationOutcome.model_validate(body)
    assert body["issue"][0]["code"] == "login"


def test_a_patients_token_is_refused(patient_client_a, patient_a):
    body = fhir(patient_client_a, f"/fhir/R4/Patient/{patient_a.pk}", status=403)
    assert body["issue"][0]["code"] == "forbidden"


def test_the_dashboard_session_is_not_enough(client, nurse_a, patient_a):
    # The FHIR API is for systems holding a staff token, not for a browser session.
    client.force_login(nurse_a)
    fhir(client, f"/fhir/R4/Patient/{patient_a.pk}", status=401)


# -- Patient --------------------------------------------------------------------------------------

def test_a_nurse_reads_a_patient_with_the_public_id_as_identifier(staff_client_a, patient_a, nurse_a, settings):
    body = fhir(staff_client_a, f"/fhir/R4/Patient/{patient_a.pk}")
    FhirPatient.model_validate(body)
    assert body["name"][0] == {"use": "official", "family": "Testcase", "given": ["Alma"]}
    assert body["identifier"] == [
        {"use": "usual", "system": f"{settings.PUBLIC_BASE_URL}/fhir/sid/patient-public-id", "value": str(patient_a.public_id)}
    ]
    # The phone is a way to reach the patient, never an identifier.
    assert body["telecom"] == [{"system": "phone", "value": patient_a.phone, "use": "mobile"}]
    assert patient_a.phone not in str(body["identifier"])
    event = AuditEvent.objects.get(channel="fhir")
    assert (event.actor, event.patient_id, event.action, event.resource) == (nurse_a, patient_a.pk, "view", "Patient")


def test_another_clinics_patient_is_a_404(staff_client_b, patient_a):
    body = fhir(staff_client_b, f"/fhir/R4/Patient/{patient_a.pk}", status=404)
    OperationOutcome.model_validate(body)
    assert body["issue"][0]["code"] == "not-found"
    assert not AuditEvent.objects.filter(channel="fhir").exists()


def test_a_patient_search_by_family_name_leaves_out_other_clinics(staff_client_a, make_patient, patient_b, clinic_b):
    mine = make_patient(last_name="Othertest")
    make_patient(last_name="Different")
    body = fhir(staff_client_a, "/fhir/R4/Patient", family="othe")
    valid_bundle(body)
    assert body["type"] == "searchset"
    assert body["total"] == 1
    assert [e["resource"]["id"] for e in body["entry"]] == [str(mine.pk)]
    assert body["entry"][0]["fullUrl"].endswith(f"/fhir/R4/Patient/{mine.pk}")


def test_a_patient_search_by_identifier(staff_client_a, patient_a, make_patient, settings):
    make_patient()
    system = f"{settings.PUBLIC_BASE_URL}/fhir/sid/patient-public-id"
    for value in (f"{system}|{patient_a.public_id}", str(patient_a.public_id)):
        body = fhir(staff_client_a, "/fhir/R4/Patient", identifier=value)
        assert [e["resource"]["id"] for e in body["entry"]] == [str(patient_a.pk)]
    # Another system, or a value that is no public id, finds nothing rather than failing.
    for value in (f"http://example.org/mrn|{patient_a.public_id}", "not-a-uuid"):
        assert fhir(staff_client_a, "/fhir/R4/Patient", identifier=value)["total"] == 0


def test_patient_search_pages_with_count_and_next_links(staff_client_a, make_patient):
    for _ in range(5):
        make_patient()
    first = fhir(staff_client_a, "/fhir/R4/Patient", _count=2)
    valid_bundle(first)
    assert first["total"] == 5 and len(first["entry"]) == 2
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert "_count=2" in links["self"]
    seen = [e["resource"]["id"] for e in first["entry"]]
    url = links["next"]
    while url:
        page = fhir(staff_client_a, url.split("://", 1)[1].split("/", 1)[1].join(["/", ""]))
        seen += [e["resource"]["id"] for e in page["entry"]]
        url = {link["relation"]: link["url"] for link in page["link"]}.get("next")
    assert len(seen) == len(set(seen)) == 5


def test_patient_search_audits_each_patient_listed(staff_client_a, make_patient):
    make_patient()
    make_patient()
    fhir(staff_client_a, "/fhir/R4/Patient")
    assert AuditEvent.objects.filter(channel="fhir", action="list", resource="Patient").count() == 2


def test_patient_search_queries_are_pinned(staff_client_a, make_patient, django_assert_num_queries):
    for _ in range(3):
        make_patient()
    # 1 the user of the token, 2 a clinic membership (staff), 3 count, 4 the page with the clinics,
    # 5 the audit rows in one INSERT.
    with django_assert_num_queries(5):
        body = fhir(staff_client_a, "/fhir/R4/Patient")
    assert body["total"] == 3


# -- Observation ----------------------------------------------------------------------------------

def codes_of(body):
    return [(e["resource"]["effectiveDateTime"], e["resource"]["code"]["coding"][0]["code"]) for e in body.get("entry", [])]


def test_one_observation_per_value_a_day_with_loinc_codes(staff_client_a, logged_patient, settings):
    body = fhir(staff_client_a, "/fhir/R4/Observation", patient=logged_patient.pk)
    valid_bundle(body)
    day1 = (logged_patient.surgery_date + datetime.timedelta(days=1)).isoformat()
    assert body["total"] == 4 + 1 + 3
    by_code = {e["resource"]["code"]["coding"][0]["code"]: e["resource"] for e in body["entry"] if e["resource"]["effectiveDateTime"] == day1}
    assert by_code["72514-3"]["valueInteger"] == 7
    assert by_code["41950-7"]["valueQuantity"] == {"value": 800, "unit": "/d", "system": "http://unitsofmeasure.org", "code": "/d"}
    assert by_code["55411-3"]["valueQuantity"]["code"] == "min"
    opioid = by_code["opioid-use"]
    assert opioid["valueBoolean"] is True
    assert opioid["code"]["coding"][0]["system"] == f"{settings.PUBLIC_BASE_URL}/fhir/CodeSystem/recovery-observation"
    assert opioid["subject"] == {"reference": f"Patient/{logged_patient.pk}"}


def test_observations_by_date_prefixes(staff_client_a, logged_patient):
    day = lambda n: (logged_patient.surgery_date + datetime.timedelta(days=n)).isoformat()  # noqa: E731
    def dates(*values):
        body = fhir(staff_client_a, f"/fhir/R4/Observation?patient={logged_patient.pk}&" + "&".join(f"date={v}" for v in values))
        return sorted({d for d, _ in codes_of(body)})

    assert dates(day(2)) == [day(2)]
    assert dates(f"eq{day(2)}") == [day(2)]
    assert dates(f"ge{day(2)}") == [day(2), day(3)]
    assert dates(f"gt{day(2)}") == [day(3)]
    assert dates(f"le{day(2)}") == [day(1), day(2)]
    assert dates(f"lt{day(2)}") == [day(1)]
    assert dates(f"ne{day(2)}") == [day(1), day(3)]
    assert dates(f"ge{day(2)}", f"lt{day(3)}") == [day(2)]


def test_observations_by_code_with_or_without_system(staff_client_a, logged_patient):
    pain = fhir(staff_client_a, "/fhir/R4/Observation", patient=logged_patient.pk, code="http://loinc.org|72514-3")
    assert pain["total"] == 3 and {c for _, c in codes_of(pain)} == {"72514-3"}
    either = fhir(staff_client_a, "/fhir/R4/Observation", patient=logged_patient.pk, code="41950-7,opioid-use")
    assert {c for _, c in codes_of(either)} == {"41950-7", "opioid-use"} and either["total"] == 3
    assert fhir(staff_client_a, "/fhir/R4/Observation", patient=logged_patient.pk, code="http://snomed.info/sct|72514-3")["total"] == 0


def test_an_observation_is_read_by_its_id(staff_client_a, staff_client_b, logged_patient):
    first = fhir(staff_client_a, "/fhir/R4/Observation", patient=logged_patient.pk, _count=1)["entry"][0]["resource"]
    body = fhir(staff_client_a, f"/fhir/R4/Observation/{first['id']}")
    Observation.model_validate(body)
    assert body == first
    fhir(staff_client_b, f"/fhir/R4/Observation/{first['id']}", status=404)
    fhir(staff_client_a, "/fhir/R4/Observation/999999-pain", status=404)
    fhir(staff_client_a, "/fhir/R4/Observation/nonsense", status=404)


def test_observation_search_of_another_clinics_patient_finds_nothing(staff_client_b, logged_patient):
    body = fhir(staff_client_b, "/fhir/R4/Observation", patient=logged_patient.pk)
    valid_bundle(body)
    assert body["total"] == 0
    assert "entry" not in body
    assert not AuditEvent.objects.filter(channel="fhir").exists()


def test_observation_search_is_audited(staff_client_a, logged_patient, nurse_a):
    fhir(staff_client_a, "/fhir/R4/Observation", patient=logged_patient.pk, code="72514-3")
    event = AuditEvent.objects.get(channel="fhir")
    assert (event.patient_id, event.action, event.resource) == (logged_patient.pk, "view", "Observation")
    assert "code=72514-3" in event.detail


def test_observation_search_queries_are_pinned(staff_client_a, logged_patient, django_assert_num_queries):
    # 1 the token's user, 2 staff membership, 3 the patient (scoped), 4 the daily records, 5 the audit row.
    with django_assert_num_queries(5):
        fhir(staff_client_a, "/fhir/R4/Observation", patient=logged_patient.pk, date="ge2000-01-01")


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("", "patient"),
        ("patient=abc", "patient"),
        ("patient=1&date=yesterday", "date"),
        ("patient=1&date=ap2026-01-01", "date"),
        ("patient=1&date=2026-01", "date"),
        ("patient=1&_count=0", "_count"),
        ("patient=1&_count=ten", "_count"),
        ("patient=1&_offset=-1", "_offset"),
        ("patient=1&code=", "code"),
        ("patient=1&patiet=2", "patiet"),
        ("patient=1&patient=2", "patient"),
    ],
)
def test_a_bad_search_parameter_is_a_400_naming_it(staff_client_a, query, parameter):
    body = fhir(staff_client_a, f"/fhir/R4/Observation?{query}", status=400)
    OperationOutcome.model_validate(body)
    assert body["issue"][0]["code"] == "invalid"
    assert body["issue"][0]["expression"] == [parameter]


def test_a_count_above_the_maximum_is_served_as_the_maximum(staff_client_a, patient_a):
    body = fhir(staff_client_a, "/fhir/R4/Patient", _count=10000)
    assert "_count=10000" in body["link"][0]["url"]
    assert body["total"] == 1


def test_an_unknown_path_or_method_is_an_operation_outcome(staff_client_a, patient_a):
    assert fhir(staff_client_a, "/fhir/R4/Encounter", status=404)["resourceType"] == "OperationOutcome"
    assert fhir(staff_client_a, "/fhir/R4/Patient/abc", status=404)["resourceType"] == "OperationOutcome"
    response = staff_client_a.post("/fhir/R4/Patient", {}, format="json")
    assert response.status_code == 405
    assert response.json()["resourceType"] == "OperationOutcome"


# -- Flag, QuestionnaireResponse, $everything ------------------------------------------------------

def test_alerts_are_flags_active_until_resolved(staff_client_a, patient_a):
    now = datetime.datetime.now(datetime.UTC)
    alert_for(patient_a, kind="pain_high")
    alert_for(patient_a, kind="missed_checkins", status="resolved", resolved_at=now)
    body = fhir(staff_client_a, "/fhir/R4/Flag", patient=patient_a.pk)
    valid_bundle(body)
    flags = {e["resource"]["code"]["coding"][0]["code"]: e["resource"] for e in body["entry"]}
    assert flags["pain_high"]["status"] == "active"
    assert flags["pain_high"]["code"]["text"].startswith("Pain high")
    assert "end" not in flags["pain_high"]["period"]
    assert flags["missed_checkins"]["status"] == "inactive"
    assert flags["missed_checkins"]["period"]["end"]
    assert flags["pain_high"]["category"][0]["coding"][0]["code"] == "clinical"
    read = fhir(staff_client_a, f"/fhir/R4/Flag/{flags['pain_high']['id']}")
    Flag.model_validate(read)


def test_flag_and_questionnaire_response_searches_queries_are_pinned(staff_client_a, patient_a, django_assert_num_queries):
    for day in (2, 3, 4):
        alert_for(patient_a, kind="pain_high", status="resolved", day=day)
    # 1 the token's user, 2 staff membership, 3 the patient (scoped), 4 the alerts, 5 the audit row.
    with django_assert_num_queries(5):
        assert fhir(staff_client_a, "/fhir/R4/Flag", patient=patient_a.pk)["total"] == 3
    # The same with the responses (their instrument and time point) in place of the alerts.
    with django_assert_num_queries(5):
        fhir(staff_client_a, "/fhir/R4/QuestionnaireResponse", patient=patient_a.pk)


def test_another_clinics_flags_are_hidden(staff_client_b, patient_a):
    alert = alert_for(patient_a)
    assert fhir(staff_client_b, "/fhir/R4/Flag", patient=patient_a.pk)["total"] == 0
    fhir(staff_client_b, f"/fhir/R4/Flag/{alert.pk}", status=404)


def test_a_patient_with_no_questionnaire_answered_has_an_empty_bundle(staff_client_a, patient_a):
    body = fhir(staff_client_a, "/fhir/R4/QuestionnaireResponse", patient=patient_a.pk)
    valid_bundle(body)
    assert body["total"] == 0
    assert AuditEvent.objects.filter(channel="fhir", resource="QuestionnaireResponse").count() == 1


def test_everything_bundles_the_patient_observations_and_flags(staff_client_a, staff_client_b, logged_patient, django_assert_num_queries):
    alert_for(logged_patient)
    # 1 user, 2 membership, 3 patient, 4 daily records, 5 alerts, 6 questionnaire responses, 7 the audit row.
    with django_assert_num_queries(7):
        body = fhir(staff_client_a, f"/fhir/R4/Patient/{logged_patient.pk}/$everything")
    valid_bundle(body)
    kinds = [e["resource"]["resourceType"] for e in body["entry"]]
    assert kinds == ["Patient"] + ["Observation"] * 8 + ["Flag"]
    assert body["total"] == 10
    assert AuditEvent.objects.get(channel="fhir").resource == "Patient/$everything"
    fhir(staff_client_b, f"/fhir/R4/Patient/{logged_patient.pk}/$everything", status=404)
