"""Patients' messages waiting for a nurse, as a nurse may see them: those of the nurse's clinics only."""

from django.db.models import Case, Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from patients.models import Patient
from patients.selectors import clinics_for_user
from recovery.models import PatientMessage

MESSAGE_STATUSES = ("unread", "read")
# The patient's page shows this many messages (all the unread ones first).
INBOX_SHOWN = 100


def patient_messages_for_nurse(*, nurse) -> QuerySet[PatientMessage]:
    """Every message of the nurse's clinics (scoped through patients.selectors, as every staff read)."""
    return PatientMessage.objects.filter(clinic_id__in=clinics_for_user(user=nurse).values("pk"))


def patient_messages_unread_count(*, nurse) -> int:
    """How many messages of the nurse's clinics no nurse has read yet. One query."""
    return patient_messages_for_nurse(nurse=nurse).filter(read_at__isnull=True).count()


def patient_messages_unread_of_clinics(*, clinic_ids: list[int]) -> QuerySet[PatientMessage]:
    """The unread messages of these clinics (ids the caller has from patients.selectors.clinics_for_user),
    for a count that the caller folds into a query of its own."""
    return PatientMessage.objects.filter(clinic_id__in=clinic_ids, read_at__isnull=True)


def with_unread_messages(patients: QuerySet[Patient]) -> QuerySet[Patient]:
    """Annotate patients with `unread_messages`: their unread messages, and the unread ones from a phone
    they share. Two correlated subqueries in the patients' own query, each an index probe."""
    own = (
        PatientMessage.objects.filter(patient=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("patient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    shared = (
        PatientMessage.candidates.through.objects.filter(patient_id=OuterRef("pk"), patientmessage__read_at__isnull=True)
        .order_by()
        .values("patient_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return patients.annotate(
        unread_messages=Coalesce(Subquery(own, output_field=IntegerField()), Value(0))
        + Coalesce(Subquery(shared, output_field=IntegerField()), Value(0))
    )


def patient_message_list(*, nurse, status: str | None = None, patient_id: int | None = None) -> QuerySet[PatientMessage]:
    """The nurse's clinics' messages, newest first, with the reader and the candidates loaded (two
    queries when evaluated: the messages, then the candidates of the shared-phone ones).

    `status`: `unread`, `read`, or None for both. `patient_id`: the patient's own messages and those
    from a phone the patient shares (the patient is one of the candidates).
    """
    if status not in (None, *MESSAGE_STATUSES):
        raise ValueError(f"Unknown status {status!r}.")
    messages = patient_messages_for_nurse(nurse=nurse)
    if status is not None:
        messages = messages.filter(read_at__isnull=status == "unread")
    if patient_id is not None:
        messages = messages.filter(about_patient(patient_id))
    return (
        messages.select_related("patient", "clinic", "read_by")
        .prefetch_related(Prefetch("candidates", queryset=Patient.objects.only("id", "first_name", "last_name", "clinic_id")))
        .order_by("-received_at", "-id")
    )


def about_patient(patient_id: int) -> Q:
    """A message the patient wrote, or one from a phone the patient shares."""
    shared = PatientMessage.candidates.through.objects.filter(patient_id=patient_id).values("patientmessage_id")
    return Q(patient_id=patient_id) | Q(pk__in=shared)


def patient_message_for_nurse(*, nurse, message_id: int) -> PatientMessage | None:
    """One message, if it is of the nurse's clinics."""
    return patient_message_list(nurse=nurse).filter(pk=message_id).first()


def patient_inbox(*, patient: Patient, limit: int = INBOX_SHOWN) -> list[PatientMessage]:
    """The patient's messages for the patient's page, unread first, then newest first, with the
    reader: the patient's own and those from a phone the patient shares. One query."""
    return list(
        PatientMessage.objects.filter(about_patient(patient.pk))
        .select_related("read_by")
        .annotate(unread_first=Case(When(read_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("unread_first", "-received_at", "-id")[:limit]
    )


def message_patient_ids(message: PatientMessage) -> list[int | None]:
    """Whose data a message is, for the audit trail: its patient, or every candidate of a shared
    phone (one of them wrote it); the candidates loaded with the message are used where they were."""
    if message.patient_id is not None:
        return [message.patient_id]
    return sorted(c.pk for c in message.candidates.all()) or [None]
