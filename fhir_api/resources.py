"""FHIR R4 resources built from the service's rows: small pure functions that return plain dicts.

No database here: the views load the rows through the selectors and hand them in, so each mapping is
tested on its own and the runtime needs no FHIR library.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings

from patients.choices import Language
from recovery.choices import ACTIVE_ALERT_STATUSES, AlertKind

FHIR_VERSION = "4.0.1"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"


def base_url() -> str:
    """Where this server's FHIR API lives, absolute (fullUrl and links are absolute)."""
    return f"{settings.PUBLIC_BASE_URL}/fhir/R4"


def patient_identifier_system() -> str:
    """The naming system of patients' public ids: the only identifier a Patient carries."""
    return f"{settings.PUBLIC_BASE_URL}/fhir/sid/patient-public-id"


def observation_code_system() -> str:
    """The service's own CodeSystem for what LOINC has no code for (opioid use today)."""
    return f"{settings.PUBLIC_BASE_URL}/fhir/CodeSystem/recovery-observation"


def alert_kind_code_system() -> str:
    return f"{settings.PUBLIC_BASE_URL}/fhir/CodeSystem/alert-kind"


@dataclass(frozen=True)
class Measure:
    """One value of a daily record as an Observation: which field, its code and how it is valued."""

    field: str  # DailyRecord's field, and the suffix of the Observation's id
    slug: str
    system: str
    code: str
    display: str
    category: str
    unit: str = ""  # UCUM code of a valueQuantity; empty for valueInteger and valueBoolean


def measures() -> tuple[Measure, ...]:
    """The four values of a day, in the order their Observations are listed."""
    return (
        Measure("pain", "pain", LOINC, "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported", "survey"),
        Measure("steps", "steps", LOINC, "41950-7", "Number of steps in 24 hour Measured", "activity", unit="/d"),
        Measure("walking_minutes", "walking", LOINC, "55411-3", "Exercise duration", "activity", unit="min"),
        Measure("opioid_use", "opioid", observation_code_system(), "opioid-use", "Took opioid pain medication that day", "survey"),
    )


def measure_by_slug(slug: str) -> Measure | None:
    return next((m for m in measures() if m.slug == slug), None)


def _reference(patient_id: int) -> dict:
    return {"reference": f"Patient/{patient_id}"}


def _instant(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def patient_resource(patient) -> dict:
    """A Patient: the public id as identifier (never the phone), the name, and the phone as telecom
    (the number the clinic's own staff call)."""
    resource = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "meta": {"lastUpdated": _instant(patient.updated_at)},
        "identifier": [{"use": "usual", "system": patient_identifier_system(), "value": str(patient.public_id)}],
        "active": patient.monitoring_ended_at is None,
        "name": [{"use": "official", "family": patient.last_name, "given": [patient.first_name]}],
        "communication": [
            {
                "language": {
                    "coding": [{"system": "urn:ietf:bcp:47", "code": patient.language, "display": Language(patient.language).label}]
                },
                "preferred": True,
            }
        ],
        "managingOrganization": {"display": patient.clinic.name},
    }
    if patient.phone:
        resource["telecom"] = [{"system": "phone", "value": patient.phone, "use": "mobile"}]
    return resource


def observation_id(record_id: int, measure: Measure) -> str:
    return f"{record_id}-{measure.slug}"


def observation_resource(record, measure: Measure) -> dict:
    """One value of one daily record. effectiveDateTime is the patient-local date the record is for."""
    value = getattr(record, measure.field)
    resource = {
        "resourceType": "Observation",
        "id": observation_id(record.pk, measure),
        "meta": {"lastUpdated": _instant(record.updated_at)},
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": measure.category}]}],
        "code": {"coding": [{"system": measure.system, "code": measure.code, "display": measure.display}], "text": measure.display},
        "subject": _reference(record.patient_id),
        "effectiveDateTime": record.date.isoformat(),
        "issued": _instant(record.updated_at),
    }
    if measure.unit:
        resource["valueQuantity"] = {"value": value, "unit": measure.unit, "system": UCUM, "code": measure.unit}
    elif isinstance(value, bool):
        resource["valueBoolean"] = value
    else:
        resource["valueInteger"] = value
    return resource


def record_observations(record, wanted: tuple[Measure, ...] | None = None) -> list[dict]:
    """The Observations of one daily record: one per value logged, in measures() order."""
    return [
        observation_resource(record, m)
        for m in (wanted if wanted is not None else measures())
        if getattr(record, m.field) is not None
    ]


def flag_resource(alert) -> dict:
    """An alert as a Flag: active while open or acknowledged, inactive once resolved; the period runs
    from its raising to its resolution."""
    period = {"start": _instant(alert.created_at)}
    if alert.resolved_at is not None:
        period["end"] = _instant(alert.resolved_at)
    label = AlertKind(alert.kind).label
    return {
        "resourceType": "Flag",
        "id": str(alert.pk),
        "meta": {"lastUpdated": _instant(alert.updated_at)},
        "status": "active" if alert.status in ACTIVE_ALERT_STATUSES else "inactive",
        "category": [{"coding": [{"system": FLAG_CATEGORY, "code": "clinical", "display": "Clinical"}]}],
        "code": {"coding": [{"system": alert_kind_code_system(), "code": alert.kind, "display": label}], "text": f"{label}: {alert.message}"},
        "subject": _reference(alert.patient_id),
        "period": period,
    }


def searchset(*, entries: list[dict], total: int, self_url: str, next_url: str | None = None) -> dict:
    """A searchset Bundle of `entries` (resources), out of `total` matches."""
    links = [{"relation": "self", "url": self_url}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    bundle = {"resourceType": "Bundle", "type": "searchset", "total": total, "link": links}
    if entries:  # FHIR JSON has no empty arrays: no match, no `entry`
        bundle["entry"] = [
            {"fullUrl": f"{base_url()}/{r['resourceType']}/{r['id']}", "resource": r, "search": {"mode": "match"}}
            for r in entries
        ]
    return bundle


def operation_outcome(*, code: str, diagnostics: str, expression: str | None = None, severity: str = "error") -> dict:
    """What went wrong, as FHIR says it: `code` from the issue-type value set, `expression` the
    search parameter at fault."""
    issue = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def _search_params(*pairs: tuple[str, str, str]) -> list[dict]:
    return [{"name": name, "type": kind, "documentation": doc} for name, kind, doc in pairs]


_PAGING = ("_count", "number", "Page size: default 50, at most 500 (more is served as 500).")
_OFFSET = ("_offset", "number", "Where the page starts, as the `next` link gives it.")


def capability_statement(*, software_version: str = "1") -> dict:
    """What this server offers: read-only Patient, Observation, Flag, QuestionnaireResponse and Questionnaire."""
    patient_param = ("patient", "reference", "The patient's id (required).")
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-01",
        "publisher": "Recovery tracking service",
        "kind": "instance",
        "software": {"name": "Recovery tracking service", "version": software_version},
        "implementation": {"description": "Post-operative recovery after spinal fusion: read-only FHIR R4 API for clinic staff", "url": base_url()},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Every call but /metadata takes a staff bearer token (the JWT of POST /api/v1/auth/token/) and "
                    "sees only the caller's clinics: another clinic's resources answer 404 and searches leave them out."
                ),
                "security": {"cors": False, "description": "Bearer JWT of a clinic staff member; a patient's token is refused (403)."},
                "resource": [
                    {
                        "type": "Patient",
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "searchParam": _search_params(
                            ("family", "string", "Family name, starting with (case does not matter)."),
                            ("identifier", "token", "The patient's public id: system|value or value."),
                            _PAGING,
                            _OFFSET,
                        ),
                        "operation": [{"name": "everything", "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything"}],
                    },
                    {
                        "type": "Observation",
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "searchParam": _search_params(
                            patient_param,
                            ("date", "date", "The patient-local date of the value; prefixes eq, ne, lt, le, gt, ge."),
                            ("code", "token", "system|code or code: LOINC 72514-3, 41950-7, 55411-3, or opioid-use."),
                            _PAGING,
                            _OFFSET,
                        ),
                    },
                    {
                        "type": "Flag",
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "searchParam": _search_params(patient_param, _PAGING, _OFFSET),
                    },
                    {
                        "type": "QuestionnaireResponse",
                        "documentation": "Outcome questionnaires answered by the patient (app, SMS link) or entered by a nurse; the score, computed by the server, is an extension.",
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "searchParam": _search_params(patient_param, _PAGING, _OFFSET),
                    },
                    {
                        "type": "Questionnaire",
                        "documentation": "The instruments the clinic loaded, every version, as loaded (English).",
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "searchParam": _search_params(
                            ("url", "uri", "The canonical URL."), ("status", "token", "active, draft or retired."), _PAGING, _OFFSET
                        ),
                    },
                ],
            }
        ],
    }
