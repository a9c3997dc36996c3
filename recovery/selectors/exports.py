"""The rows of the CSV exports: one patient's record, and a cohort's daily records.

Both read through the nurse's scope (patients.selectors.patients_for_nurse, through staff_patients)
and yield plain lists, read from the database in chunks.
"""

from collections.abc import Callable, Iterator

from django.db.models import QuerySet

from patients.models import Patient
from recovery.models import Alert, DailyRecord, PatientMessage
from recovery.selectors.patients import staff_patients

CHUNK = 2000

PATIENT_RECORD_COLUMNS = [
    "section",
    "date",
    "recovery_day",
    "at",
    "pain",
    "walking_minutes",
    "steps",
    "opioid_use",
    "symptoms",
    "milestones",
    "channel",
    "alert_kind",
    "severity",
    "status",
    "resolved_at",
    "useful",
    "reason",
    "text",
]

COHORT_COLUMNS = [
    "patient",
    "clinic",
    "procedure",
    "surgery_date",
    "date",
    "recovery_day",
    "pain",
    "walking_minutes",
    "steps",
    "opioid_use",
    "symptoms",
    "milestones",
    "channel",
]
# Only when the nurse asks for them and holds recovery.export_identified.
IDENTIFYING_COLUMNS = ["first_name", "last_name", "phone"]


def patient_record_rows(*, patient: Patient) -> Iterator[list]:
    """The patient's daily records (oldest first), then alerts, then the patient's own messages (not
    those of a phone shared with other patients), as rows of PATIENT_RECORD_COLUMNS. Times are the
    patient's local time. Three queries, run as the rows are consumed."""
    tz = patient.tz

    def local(moment):
        return moment.astimezone(tz) if moment is not None else None

    def day(date):
        return (date - patient.surgery_date).days if date is not None else None

    for r in DailyRecord.objects.filter(patient=patient).order_by("date").iterator(chunk_size=CHUNK):
        yield [
            "daily_record", r.date, day(r.date), local(r.updated_at), r.pain, r.walking_minutes, r.steps, r.opioid_use,
            r.symptoms, r.milestones, r.channel, "", "", "", None, "", "", r.note,
        ]  # fmt: skip
    for a in Alert.objects.filter(patient=patient).order_by("created_at", "id").iterator(chunk_size=CHUNK):
        yield [
            "alert", a.evidence_date, a.recovery_day, local(a.created_at), None, None, None, None,
            [], [], "", a.kind, a.severity, a.status, local(a.resolved_at), a.useful, a.resolution_reason, a.message,
        ]  # fmt: skip
    messages = PatientMessage.objects.filter(patient=patient).order_by("received_at", "id")
    for m in messages.iterator(chunk_size=CHUNK):
        date = m.date or local(m.received_at).date()
        yield [
            "message", date, day(date), local(m.received_at), None, None, None, None,
            [], [], m.channel, "", "", "read" if m.read_at else "unread", None, "", m.reason, m.text,
        ]  # fmt: skip


# Sections that the apps above recovery add to a patient's record (outcomes adds its questionnaire
# responses and their scores). Recovery does not import them: each registers here at start-up
# (its AppConfig.ready) a function (header=, rows=, patient=) -> (header, rows).
RECORD_EXTENSIONS: list[Callable] = []


def patient_record_export(*, patient: Patient) -> tuple[list[str], Iterator[list]]:
    """The header and rows of a patient's record CSV, with the registered extensions' sections."""
    header, rows = list(PATIENT_RECORD_COLUMNS), patient_record_rows(patient=patient)
    for extend in RECORD_EXTENSIONS:
        header, rows = extend(header=header, rows=rows, patient=patient)
    return header, rows


def cohort_patients(*, user, clinic_ids: list[int] | None = None, procedure: str = "", status: str = "") -> QuerySet[Patient]:
    """The nurse's patients in the cohort view's terms: of these clinics (all the nurse's when None),
    of one procedure, of one summary status (alert, watch, on_track); monitored or not."""
    patients = staff_patients(user=user)
    if clinic_ids is not None:
        patients = patients.filter(clinic_id__in=clinic_ids)
    if procedure:
        patients = patients.filter(procedure=procedure)
    if status:
        patients = patients.filter(status=status)
    return patients


def cohort_export_rows(*, patients: QuerySet[Patient], identified: bool) -> Iterator[list]:
    """One row per patient per day with a record, ordered by patient then date, as COHORT_COLUMNS
    (with IDENTIFYING_COLUMNS after `patient` when `identified`). Patients are named by their
    public id. One query, read through a server-side cursor in chunks."""
    fields = ["patient__public_id"]
    if identified:
        fields += ["patient__first_name", "patient__last_name", "patient__phone"]
    fields += [
        "patient__clinic__name", "patient__procedure", "patient__surgery_date", "date", "pain", "walking_minutes",
        "steps", "opioid_use", "symptoms", "milestones", "channel",
    ]  # fmt: skip
    records = (
        DailyRecord.objects.filter(patient__in=patients.values("pk"))
        .order_by("patient_id", "date")
        .values_list(*fields)
    )
    date_at = fields.index("date")
    for row in records.iterator(chunk_size=CHUNK):
        row = list(row)
        recovery_day = (row[date_at] - row[date_at - 1]).days
        yield [*row[: date_at + 1], recovery_day, *row[date_at + 1 :]]


def cohort_export_columns(*, identified: bool) -> list[str]:
    return [COHORT_COLUMNS[0], *(IDENTIFYING_COLUMNS if identified else []), *COHORT_COLUMNS[1:]]
