"""The nurses' calls: their patients with the recovery summary, a patient's daily records, alerts.

Everything is scoped through one place, recovery.selectors.staff_patients (the nurse's own clinics),
so another clinic's patient or alert is a 404. Every read of patient data writes an audit row.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from caregivers.selectors import caregiver_reports
from patients.api_fields import ClockTimeField
from patients.audit import audit_record, audit_record_many
from patients.choices import Condition, Language, Procedure
from patients.models import AuditEvent, Patient
from patients.openapi import FIELD_ERRORS_SCHEMA, DetailErrorSerializer, error_responses
from patients.permissions import IsStaff
from patients.selectors import clinics_for_user, patients_for_nurse
from patients.services import PatientExists, patient_create
from patients.validators import PHONE_INPUT_MAX_LENGTH, validate_timezone
from recovery.api.pagination import StrictPagination
from recovery.choices import ACTIVE_ALERT_STATUSES, AlertKind, AlertStatus, AlertUsefulness, Channel, Milestone, Severity, Symptom
from recovery.models import Alert, DailyRecord
from recovery.selectors import staff_patients
from recovery.services import AlertAlreadyResolved, alert_acknowledge, alert_resolve

PATIENT_STATUSES = [("alert", "alert"), ("watch", "watch"), ("on_track", "on_track")]
# How far from today a surgery date may be: anything further is a typing error.
SURGERY_DATE_RANGE = datetime.timedelta(days=365)


def _errors(exc: DjangoValidationError) -> ValidationError:
    """A Django validation error from a service, as the 400 the API answers."""
    return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})


# The answers every staff call may give besides its own: a bad token, a patient's token, not yours.
_STAFF_ERRORS = (401, 403)


# -- patients -------------------------------------------------------------------------------------

class StaffPatientSerializer(serializers.ModelSerializer):
    """A patient as nurses see it, with the recovery summary (read-only)."""

    # Read in the clinic's region by patient_create: "(312) 555-0142" is kept as +13125550142.
    phone = serializers.CharField(
        max_length=PHONE_INPUT_MAX_LENGTH,
        help_text="Sent as a nurse types it, e.g. (312) 555-0142, or in E.164; answered in E.164, e.g. +15551230001.",
    )
    timezone = serializers.CharField(
        max_length=64, required=False, validators=[validate_timezone], help_text="IANA name, e.g. America/Chicago (default: the clinic's)."
    )
    language = serializers.ChoiceField(choices=Language.values, default=Language.EN)
    procedure = serializers.ChoiceField(choices=Procedure.choices)
    condition = serializers.ChoiceField(choices=Condition.choices, required=False, allow_blank=True, default="")
    discharge_date = serializers.DateField(required=False, allow_null=True, default=None)
    # HH:MM, as the patients' own calls write it (and as the schema's pattern says, not OpenAPI's
    # "time" format, which wants seconds and an offset).
    reminder_time = ClockTimeField(default=datetime.time(18, 0), help_text="HH:MM, patient-local.")
    sms_opt_in = serializers.BooleanField(default=True)
    clinic = serializers.IntegerField(
        source="clinic_id", required=False, help_text="The clinic's id; may be left out when the nurse has one clinic."
    )
    recovery_day = serializers.SerializerMethodField(help_text="Today, patient-local, minus the surgery date, in days.")
    last_checkin_date = serializers.DateField(read_only=True, allow_null=True)
    open_alerts = serializers.IntegerField(read_only=True, help_text="Open and acknowledged alerts.")
    status = serializers.ChoiceField(
        choices=PATIENT_STATUSES,
        read_only=True,
        help_text="alert: an open or acknowledged urgent or high alert stands; watch: only routine ones; on_track otherwise.",
    )

    class Meta:
        model = Patient
        fields = [
            "id",
            "first_name",
            "last_name",
            "phone",
            "timezone",
            "language",
            "procedure",
            "condition",
            "surgery_date",
            "discharge_date",
            "reminder_time",
            "sms_opt_in",
            "clinic",
            "recovery_day",
            "last_checkin_date",
            "open_alerts",
            "status",
            "monitoring_ended_at",
        ]
        read_only_fields = ["id", "monitoring_ended_at"]
        extra_kwargs = {"first_name": {"max_length": 100}, "last_name": {"max_length": 100}}

    def get_recovery_day(self, patient: Patient) -> int:
        return patient.recovery_day(patient.local_today(self.context.get("now")))

    def validate_first_name(self, value: str) -> str:
        return self._name(value)

    def validate_last_name(self, value: str) -> str:
        return self._name(value)

    @staticmethod
    def _name(value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("This field may not be blank.")
        return value

    def validate_surgery_date(self, value: datetime.date) -> datetime.date:
        today = timezone.now().date()
        if abs(value - today) > SURGERY_DATE_RANGE:
            raise serializers.ValidationError("The surgery date must be within a year of today.")
        return value

    def validate_clinic(self, value: int) -> int:
        if value not in self.context["clinic_ids"]:
            # The same words whether the clinic exists or not: nothing about other clinics leaks.
            raise serializers.ValidationError("Not one of your clinics.")
        return value

    def validate(self, attrs: dict) -> dict:
        if "clinic_id" not in attrs:
            clinic_ids = self.context["clinic_ids"]
            if len(clinic_ids) != 1:
                raise ValidationError({"clinic": ["Required: you belong to more than one clinic."]})
            attrs["clinic_id"] = clinic_ids[0]
        discharge = attrs.get("discharge_date")
        if discharge is not None and discharge < attrs["surgery_date"]:
            raise ValidationError({"discharge_date": ["The discharge date is before the surgery date."]})
        return attrs


class StaffPatientCreatedSerializer(StaffPatientSerializer):
    enrollment_code = serializers.CharField(
        read_only=True, help_text="Single use, expires after 14 days; shown once, here (and sent by SMS where sms_opt_in)."
    )

    class Meta(StaffPatientSerializer.Meta):
        fields = [*StaffPatientSerializer.Meta.fields, "enrollment_code"]


class PatientConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    id = serializers.IntegerField(help_text="The id of the patient the clinic already has.")


class StaffPatientFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=PATIENT_STATUSES, help_text="The summary status.")
    procedure = filters.ChoiceFilter(choices=Procedure.choices)
    search = filters.CharFilter(method="filter_search", max_length=100, help_text="Part of the first or last name, or of the phone.")

    class Meta:
        model = Patient
        fields = ["status", "procedure", "search"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        q = Q()
        for word in value.split():
            q &= Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(phone__contains=word)
        return queryset.filter(q)


def _staff_patients(request) -> QuerySet[Patient]:
    # Most in need first: urgent or high alerts, then routine ones, then the rest, by name.
    return staff_patients(user=request.user).order_by("alert_rank", "last_name", "first_name", "id")


@extend_schema_view(get=extend_schema(responses={200: StaffPatientSerializer(many=True), **error_responses(400, *_STAFF_ERRORS)}))
class StaffPatientListCreate(generics.ListCreateAPIView):
    """The patients of the nurse's clinics, most in need first, with their recovery summary."""

    permission_classes = [IsStaff]
    pagination_class = StrictPagination
    serializer_class = StaffPatientSerializer
    filterset_class = StaffPatientFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Patient.objects.none()
        return _staff_patients(self.request)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.request is not None and self.request.method == "POST":
            context["clinic_ids"] = sorted(clinics_for_user(user=self.request.user).values_list("id", flat=True))
        return context

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        audit_record_many(actor=request.user, patients=page, action=AuditEvent.Action.LIST, resource="patient", request=request)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        description=(
            "Add a patient to one of the nurse's clinics (`clinic` may be left out when the nurse has one). "
            "The answer carries the enrollment code, once."
        ),
        request=StaffPatientSerializer,
        responses={
            201: StaffPatientCreatedSerializer,
            **error_responses(*_STAFF_ERRORS),
            400: OpenApiResponse(
                response=FIELD_ERRORS_SCHEMA,
                description="A field is missing or invalid (on `phone`: not a possible number, or held by another clinic's active patient); nothing was created.",
            ),
            409: OpenApiResponse(
                response=PatientConflictSerializer,
                description="The clinic already has this patient (same phone, name and surgery date): `id` names the record.",
            ),
        },
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            patient, code = patient_create(
                clinic=clinics_for_user(user=request.user).get(pk=data["clinic_id"]),
                first_name=data["first_name"],
                last_name=data["last_name"],
                phone=data["phone"],
                procedure=data["procedure"],
                surgery_date=data["surgery_date"],
                timezone_name=data.get("timezone"),
                language=data["language"],
                condition=data.get("condition", ""),
                discharge_date=data.get("discharge_date"),
                reminder_time=data["reminder_time"],
                sms_opt_in=data["sms_opt_in"],
                created_by=request.user,
            )
        except PatientExists as exc:
            body = {"detail": "This clinic already has this patient (same phone, name and surgery date).", "id": exc.patient.pk}
            return Response(body, status=status.HTTP_409_CONFLICT)
        except DjangoValidationError as exc:
            raise _errors(exc) from exc
        audit_record(actor=request.user, patient=patient, action=AuditEvent.Action.CREATE, resource="patient", request=request)
        created = _staff_patients(request).get(pk=patient.pk)
        created.enrollment_code = code
        body = StaffPatientCreatedSerializer(created, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema_view(get=extend_schema(responses={200: StaffPatientSerializer, **error_responses(*_STAFF_ERRORS, 404)}))
class StaffPatientDetail(generics.RetrieveAPIView):
    """One patient of the nurse's clinics, with the recovery summary."""

    permission_classes = [IsStaff]
    serializer_class = StaffPatientSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Patient.objects.none()
        return _staff_patients(self.request)

    def retrieve(self, request, *args, **kwargs):
        patient = self.get_object()
        audit_record(actor=request.user, patient=patient, action=AuditEvent.Action.VIEW, resource="patient", request=request)
        return Response(self.get_serializer(patient).data)


# -- daily records --------------------------------------------------------------------------------

class CaregiverReportSerializer(serializers.Serializer):
    caregiver = serializers.IntegerField(help_text="The caregiver's id.")
    name = serializers.CharField()
    relationship = serializers.CharField()
    channel = serializers.ChoiceField(choices=Channel.choices, help_text="How the caregiver first answered that day.")


class StaffDailyRecordSerializer(serializers.ModelSerializer):
    recovery_day = serializers.SerializerMethodField(help_text="The post-operative day of the record.")
    answered_by = serializers.SerializerMethodField(
        help_text="The caregivers who answered for the patient that day, first answer first; empty when only the patient did."
    )
    symptoms = serializers.ListField(child=serializers.ChoiceField(choices=Symptom.choices), read_only=True)
    milestones = serializers.ListField(child=serializers.ChoiceField(choices=Milestone.choices), read_only=True)
    channel = serializers.ChoiceField(choices=Channel.choices, read_only=True)

    class Meta:
        model = DailyRecord
        fields = [
            "id",
            "date",
            "recovery_day",
            "pain",
            "walking_minutes",
            "steps",
            "opioid_use",
            "symptoms",
            "milestones",
            "note",
            "channel",
            "answered_by",
            "updated_at",
        ]
        read_only_fields = fields

    def get_recovery_day(self, record: DailyRecord) -> int:
        return (record.date - self.context["surgery_date"]).days

    @extend_schema_field(CaregiverReportSerializer(many=True))
    def get_answered_by(self, record: DailyRecord) -> list[dict]:
        return self.context.get("caregiver_reports", {}).get(record.date, [])


@extend_schema_view(get=extend_schema(responses={200: StaffDailyRecordSerializer(many=True), **error_responses(400, *_STAFF_ERRORS, 404)}))
class StaffPatientCheckins(generics.ListAPIView):
    """A patient's daily records, newest first."""

    permission_classes = [IsStaff]
    pagination_class = StrictPagination
    serializer_class = StaffDailyRecordSerializer

    def get_patient(self) -> Patient:
        if not hasattr(self, "_patient"):
            self._patient = generics.get_object_or_404(
                patients_for_nurse(user=self.request.user).only("id", "surgery_date"), pk=self.kwargs["pk"]
            )
        return self._patient

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DailyRecord.objects.none()
        return DailyRecord.objects.filter(patient=self.get_patient()).order_by("-date")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["surgery_date"] = self.get_patient().surgery_date
        return context

    def list(self, request, *args, **kwargs):
        patient = self.get_patient()
        page = self.paginate_queryset(self.get_queryset())
        audit_record(actor=request.user, patient=patient, action=AuditEvent.Action.VIEW, resource="checkins", request=request)
        # Who answered, for the page's days (one query).
        reports = caregiver_reports(patient_id=patient.pk, dates=[record.date for record in page])
        serializer = self.get_serializer(page, many=True, context={**self.get_serializer_context(), "caregiver_reports": reports})
        return self.get_paginated_response(serializer.data)


# -- alerts ---------------------------------------------------------------------------------------

class StaffAlertSerializer(serializers.ModelSerializer):
    patient = serializers.IntegerField(source="patient_id", read_only=True, help_text="The patient's id.")
    kind = serializers.ChoiceField(choices=AlertKind.choices, read_only=True)
    severity = serializers.ChoiceField(choices=Severity.choices, read_only=True)
    status = serializers.ChoiceField(choices=AlertStatus.choices, read_only=True)
    recovery_day = serializers.IntegerField(read_only=True, help_text="The post-operative day of the evidence that raised it.")
    message = serializers.CharField(read_only=True, help_text="What raised it, in plain words.")
    acknowledged_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    resolved_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Empty when the system resolved it (see resolution_reason)."
    )
    useful = serializers.ChoiceField(
        choices=[("", ""), *AlertUsefulness.choices],
        read_only=True,
        help_text="The resolving nurse's label: needed_action, not_needed or duplicate; empty when none was given.",
    )

    class Meta:
        model = Alert
        fields = [
            "id",
            "patient",
            "kind",
            "severity",
            "recovery_day",
            "evidence_date",
            "message",
            "status",
            "created_at",
            "updated_at",
            "acknowledged_at",
            "acknowledged_by",
            "acknowledge_note",
            "resolved_at",
            "resolved_by",
            "resolution_note",
            "resolution_reason",
            "useful",
        ]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):
    """A whole-number id; anything else is a 400 naming the parameter."""

    field_class = forms.IntegerField


class StaffAlertFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=AlertStatus.choices)
    severity = filters.ChoiceFilter(choices=Severity.choices)
    patient = IdFilter(field_name="patient_id", help_text="A patient's id.")

    class Meta:
        model = Alert
        fields = ["status", "severity", "patient"]


_ACTIVE = [s.value for s in ACTIVE_ALERT_STATUSES]
_MOST_URGENT_FIRST = (
    Case(When(status__in=_ACTIVE, then=Value(0)), default=Value(1), output_field=IntegerField()),
    Case(
        When(severity=Severity.URGENT, then=Value(0)),
        When(severity=Severity.HIGH, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    ),
)


def staff_alerts(request) -> QuerySet[Alert]:
    """Alerts of the nurse's patients: standing ones first, then by severity, newest first."""
    return (
        Alert.objects.filter(patient__in=patients_for_nurse(user=request.user).values("pk"))
        .select_related("acknowledged_by", "resolved_by")
        .order_by(*_MOST_URGENT_FIRST, "-created_at", "-id")
    )


@extend_schema_view(get=extend_schema(responses={200: StaffAlertSerializer(many=True), **error_responses(400, *_STAFF_ERRORS)}))
class StaffAlertList(generics.ListAPIView):
    """Alerts of the nurse's patients, most urgent first: open and acknowledged before resolved, then
    urgent, high, routine, then newest first."""

    permission_classes = [IsStaff]
    pagination_class = StrictPagination
    serializer_class = StaffAlertSerializer
    filterset_class = StaffAlertFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Alert.objects.none()
        return staff_alerts(self.request)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        patient_ids = sorted({alert.patient_id for alert in page})
        audit_record_many(actor=request.user, patients=patient_ids, action=AuditEvent.Action.LIST, resource="alerts", request=request)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class AlertNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class AlertResolveSerializer(AlertNoteSerializer):
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, default="", help_text="What was done; required for urgent and high alerts."
    )
    useful = serializers.ChoiceField(
        choices=AlertUsefulness.choices,
        required=False,
        default="",
        help_text="Was the alert useful: needed_action, not_needed or duplicate (optional).",
    )


class _AlertAction(generics.GenericAPIView):
    permission_classes = [IsStaff]
    serializer_class = AlertNoteSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Alert.objects.none()
        return staff_alerts(self.request)

    def act(self, alert: Alert, data: dict) -> Alert:
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        alert = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            self.act(alert, serializer.validated_data)
        except AlertAlreadyResolved:
            return Response({"detail": "This alert is already resolved."}, status=status.HTTP_409_CONFLICT)
        except DjangoValidationError as exc:
            raise _errors(exc) from exc
        audit_record(
            actor=request.user, patient=alert.patient_id, action=AuditEvent.Action.UPDATE, resource="alert", detail=self.action_name, request=request
        )
        return Response(StaffAlertSerializer(self.get_queryset().get(pk=alert.pk)).data)


@extend_schema(
    request=AlertNoteSerializer,
    responses={
        200: StaffAlertSerializer,
        **error_responses(*_STAFF_ERRORS, 404),
        400: OpenApiResponse(response=FIELD_ERRORS_SCHEMA, description="A note that is not text or too long, or the alert is already resolved."),
    },
)
class StaffAlertAcknowledge(_AlertAction):
    """The nurse has seen the alert and is acting on it; it stays on the worklist until resolved."""

    action_name = "acknowledge"

    def act(self, alert: Alert, data: dict) -> Alert:
        return alert_acknowledge(alert=alert, user=self.request.user, note=data["note"])


@extend_schema(
    request=AlertResolveSerializer,
    responses={
        200: StaffAlertSerializer,
        **error_responses(*_STAFF_ERRORS, 404),
        400: OpenApiResponse(
            response=FIELD_ERRORS_SCHEMA,
            description="No note for an urgent or high alert, a note that is not text or too long, or a `useful` label "
            "that is not one of needed_action, not_needed, duplicate. Nothing was changed.",
        ),
        409: OpenApiResponse(response=DetailErrorSerializer, description="The alert is already resolved: nothing was changed."),
    },
)
class StaffAlertResolve(_AlertAction):
    """The nurse closes the alert: a note saying what was done is required for urgent and high alerts,
    and an optional `useful` label says whether the alert was worth raising. A resolved alert cannot be
    resolved again (409)."""

    action_name = "resolve"
    serializer_class = AlertResolveSerializer

    def act(self, alert: Alert, data: dict) -> Alert:
        return alert_resolve(alert=alert, user=self.request.user, note=data["note"], useful=data["useful"])
