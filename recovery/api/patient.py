"""The patients' own calls (the mobile app): profile, check-ins, offline sync and progress.

Views stay thin: they validate, call one service or selector, write the audit row and answer. Every
call here takes a patient token only; a patient reaches nothing but their own data, because every
query is scoped by the patient that the token names.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import (
    ClientIdField,
    ClockTimeField,
    CodeListField,
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictDateField,
    StrictIntegerField,
)
from api.openapi import FIELD_ERRORS_SCHEMA, error_responses
from api.pagination import StrictPagination
from api.parsers import StrictJSONParser
from api.throttling import ScopedWindowRateThrottle
from patients.api import LANGUAGE_CODES, PatientProfileSerializer
from patients.audit import AuditSource, audit_record
from patients.authentication import PatientJWTAuthentication
from patients.models import AuditEvent
from patients.permissions import IsPatient
from patients.services import patient_preferences_update, reminder_time_check
from patients.validators import validate_timezone
from recovery import protocols
from recovery.choices import Channel, Milestone, Symptom
from recovery.selectors import patient_daily_records, patient_plan, patient_progress
from recovery.services.checkins import CHECKIN_FIELDS, checkin_date_check, checkin_submit, daily_record_body
from recovery.texts import not_monitored_notice, procedure_label, symptom_label

PATIENT_TAG = "patient"
SYNC_MAX_ITEMS = 100
SYMPTOM_CODES = [s.value for s in Symptom]
MILESTONE_CODES = [m.value for m in Milestone]
CHANNEL_CODES = [c.value for c in Channel]
SYNC_STATUSES = ["created", "merged", "duplicate", "invalid"]
MILESTONE_STATES = list(protocols.MILESTONE_STATES)


class PatientAPIView(APIView):
    """A call of the mobile app: a patient token, and nothing else, reaches it."""

    authentication_classes = [PatientJWTAuthentication]
    permission_classes = [IsPatient]
    # The app speaks JSON only; one renderer also makes content negotiation trivial on the hot path.
    renderer_classes = [JSONRenderer]
    parser_classes = [StrictJSONParser]

    @property
    def patient(self):
        return self.request.user.patient

    def audit(self, action: str, resource: str, detail: str = "") -> None:
        audit_record(
            actor=self.request.user, patient=self.patient, action=action, resource=resource, detail=detail,
            channel="api", request=self.request,
        )


# --- serializers -------------------------------------------------------------------------------


class CheckinSerializer(serializers.Serializer):
    """One check-in as the app sends it. Absent or null values are not reported."""

    client_id = ClientIdField(help_text="A UUID made on the phone; sending it again changes nothing and gets the first answer.")
    date = StrictDateField(help_text="The patient-local date it describes: not before surgery, not after today in the patient's time zone.")
    pain = StrictIntegerField(min_value=0, max_value=10, required=False, allow_null=True, help_text="Worst pain of the day, 0-10.")
    walking_minutes = StrictIntegerField(min_value=0, max_value=1440, required=False, allow_null=True)
    steps = StrictIntegerField(min_value=0, max_value=100000, required=False, allow_null=True)
    opioid_use = StrictBooleanField(required=False, allow_null=True, help_text="Took opioid pain medication that day.")
    symptoms = CodeListField(codes=SYMPTOM_CODES, required=False, allow_null=True, help_text="Red-flag symptoms.")
    milestones = CodeListField(codes=MILESTONE_CODES, required=False, allow_null=True, help_text="Milestones reached that day.")
    note = StrictCharField(max_length=2000, required=False, allow_blank=True, allow_null=True, trim_whitespace=False)

    def validate_date(self, value):
        try:
            checkin_date_check(patient=self.context["patient"], date=value, now=self.context.get("now"))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["date"]) from None
        return value

    def validate(self, attrs):
        given = [
            name for name in CHECKIN_FIELDS
            if attrs.get(name) not in (None, "", [])
        ]
        if not given:
            raise serializers.ValidationError(
                "Give at least one of: pain, walking_minutes, steps, opioid_use, symptoms, milestones, note."
            )
        return attrs

    def submission_fields(self) -> dict:
        return {name: self.validated_data[name] for name in CHECKIN_FIELDS if self.validated_data.get(name) is not None}


class _DayValuesSerializer(serializers.Serializer):
    """What a patient reports of a day, as a daily record and a day of progress both show it."""

    date = serializers.DateField()
    recovery_day = serializers.IntegerField(help_text="Days since surgery (day 0 is surgery).")
    pain = serializers.IntegerField(allow_null=True)
    walking_minutes = serializers.IntegerField(allow_null=True)
    steps = serializers.IntegerField(allow_null=True)
    opioid_use = serializers.BooleanField(allow_null=True)
    symptoms = CodeListField(codes=SYMPTOM_CODES)
    milestones = CodeListField(codes=MILESTONE_CODES)


class DailyRecordSerializer(_DayValuesSerializer):
    """The day's record: every check-in of that date merged."""

    id = serializers.IntegerField()
    note = serializers.CharField(allow_blank=True)
    channel = serializers.ChoiceField(choices=CHANNEL_CODES, help_text="How the latest check-in came in.")
    updated_at = serializers.DateTimeField()

    def to_representation(self, record):
        return daily_record_body(record)


class CheckinAnswerSerializer(DailyRecordSerializer):
    advice = serializers.CharField(
        required=False,
        help_text="Present when a red flag was reported: what to do now, in the patient's language.",
    )


class SyncRequestSerializer(serializers.Serializer):
    checkins = CheckinSerializer(many=True, max_length=SYNC_MAX_ITEMS, help_text="At most 100 check-ins, oldest first.")


@extend_schema_field(FIELD_ERRORS_SCHEMA)
class FieldErrorsField(serializers.DictField):
    """{field: [message, ...]}, as in a 400."""


class SyncResultSerializer(serializers.Serializer):
    client_id = serializers.CharField(allow_null=True, help_text="As sent (null when the item had none).")
    status = serializers.ChoiceField(choices=SYNC_STATUSES)
    errors = FieldErrorsField(required=False, help_text="For an invalid item: each field named with its messages.")
    record = CheckinAnswerSerializer(required=False, help_text="For a stored item: the day's record as it answered.")


class SyncResponseSerializer(serializers.Serializer):
    results = SyncResultSerializer(many=True)


class CodeLabelSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class PlanMilestoneSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=MILESTONE_CODES)
    label = serializers.CharField(help_text="In the patient's language.")
    expected_from = serializers.IntegerField(help_text="Post-operative day the window opens.")
    expected_by = serializers.IntegerField(help_text="Post-operative day by which it is expected.")
    overdue_after = serializers.IntegerField(allow_null=True, help_text="Post-operative day after which it is overdue; null: never.")
    expected_from_date = serializers.DateField()
    expected_by_date = serializers.DateField()
    overdue_after_date = serializers.DateField(allow_null=True)


class PlanSerializer(serializers.Serializer):
    procedure = serializers.CharField()
    name = serializers.CharField(help_text="The procedure, in the patient's language.")
    program_days = serializers.IntegerField(help_text="Days after surgery that monitoring lasts.")
    program_ends_on = serializers.DateField()
    milestones = PlanMilestoneSerializer(many=True)


class MeSerializer(PatientProfileSerializer):
    procedure_label = serializers.CharField(help_text="In the patient's language.")
    notice = serializers.CharField(help_text="This service is not watched around the clock; emergencies: 911.")
    plan = PlanSerializer()
    red_flags = CodeLabelSerializer(many=True, help_text="The symptom codes a check-in may report, labelled in the patient's language.")


class PreferencesSerializer(serializers.Serializer):
    """What the patient may change from the app."""

    reminder_time = ClockTimeField(required=False, help_text="HH:MM, patient-local; reminders go out from 08:00 to 21:00 only.")
    language = StrictChoiceField(choices=LANGUAGE_CODES, required=False)
    sms_opt_in = StrictBooleanField(required=False, help_text="Daily SMS reminders.")
    timezone = StrictCharField(max_length=64, required=False, help_text="IANA time zone name, such as America/Chicago.")

    def validate_timezone(self, value):
        try:
            validate_timezone(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        return value

    def validate_reminder_time(self, value):
        try:
            reminder_time_check(clinic=self.context["patient"].clinic, reminder_time=value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["reminder_time"]) from None
        return value


class ProgressDaySerializer(_DayValuesSerializer):
    logged = serializers.BooleanField(help_text="A check-in came for this day.")
    expected_pain_max = serializers.IntegerField(allow_null=True, help_text="Expected upper bound of the day's worst pain.")
    expected_walking_min = serializers.IntegerField(allow_null=True, help_text="Expected lower bound of walking minutes.")


class ProgressMilestoneSerializer(PlanMilestoneSerializer):
    alert_when_overdue = serializers.BooleanField()
    state = serializers.ChoiceField(
        choices=MILESTONE_STATES,
        help_text="reached; upcoming (before its window); due (in its window); late (past its window, nobody alerted); "
        "overdue (past its overdue day while monitored and checking in: the clinic is alerted).",
    )
    state_label = serializers.CharField(help_text="In the patient's language.")
    reached_on = serializers.DateField(allow_null=True)
    reached_day = serializers.IntegerField(allow_null=True)


class ProgressSerializer(serializers.Serializer):
    as_of = serializers.DateField(help_text="Today, in the patient's time zone.")
    surgery_date = serializers.DateField()
    recovery_day = serializers.IntegerField()
    program_days = serializers.IntegerField()
    procedure = serializers.CharField()
    notice = serializers.CharField()
    days = ProgressDaySerializer(many=True, help_text="One row a day since surgery, oldest first.")
    milestones = ProgressMilestoneSerializer(many=True)


# --- views -------------------------------------------------------------------------------------

_PATIENT_ERRORS = (401, 403)
_CHECKIN_EXAMPLE = {
    "client_id": "0b6e1c1e-5d0c-4f1e-9a59-2a8f3d6c7b10",
    "date": "2026-03-05",
    "pain": 4,
    "walking_minutes": 25,
    "opioid_use": False,
    "symptoms": [],
    "milestones": ["physical_therapy_started"],
}


def _me_body(view: PatientAPIView) -> dict:
    patient = view.patient
    language = patient.language
    body = PatientProfileSerializer(patient).data
    body.update(
        procedure_label=procedure_label(patient.procedure, language),
        notice=not_monitored_notice(language),
        plan=PlanSerializer(patient_plan(patient=patient, language=language)).data,
        red_flags=[{"code": code, "label": symptom_label(code, language)} for code in SYMPTOM_CODES],
    )
    return body


class MeView(PatientAPIView):
    @extend_schema(
        tags=[PATIENT_TAG],
        operation_id="me_retrieve",
        summary="The patient's own profile, recovery day and plan of expected milestones",
        responses={200: MeSerializer, **error_responses(*_PATIENT_ERRORS)},
    )
    def get(self, request):
        self.audit(AuditEvent.Action.VIEW, AuditEvent.Resource.PROFILE)
        return Response(_me_body(self))

    @extend_schema(
        tags=[PATIENT_TAG],
        operation_id="me_partial_update",
        summary="Change the reminder time, language, SMS reminders or time zone",
        request=PreferencesSerializer,
        responses={200: MeSerializer, **error_responses(400, *_PATIENT_ERRORS)},
        examples=[OpenApiExample("preferences", value={"reminder_time": "19:30", "language": "es"}, request_only=True)],
    )
    def patch(self, request):
        serializer = PreferencesSerializer(data=request.data, partial=True, context={"patient": self.patient})
        serializer.is_valid(raise_exception=True)
        try:
            patient_preferences_update(
                patient=self.patient, changes=serializer.validated_data,
                audit=AuditSource.of(self.request.user, channel="api", request=self.request),
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return Response(_me_body(self))


def _submit(serializer: CheckinSerializer, patient, *, channel: str, now, audit: AuditSource | None = None):
    """Hand a validated check-in to the service."""
    data = serializer.validated_data
    return checkin_submit(patient=patient, client_id=data["client_id"], date=data["date"], fields=serializer.submission_fields(),
                          channel=channel, now=now, audit=audit)


class CheckinThrottleMixin:
    throttle_classes = [ScopedWindowRateThrottle]
    throttle_scope = "checkin"


class CheckinPagination(StrictPagination):
    page_size = 30
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        # DRF quietly ignores a page_size that is not a number; say so instead (above 100 is capped).
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (raw.isascii() and raw.isdigit() and int(raw) > 0):
            raise serializers.ValidationError({self.page_size_query_param: ["Must be a whole number, 1 or more (at most 100 are sent)."]})
        return super().get_page_size(request)


class CheckinsView(CheckinThrottleMixin, PatientAPIView, GenericAPIView):
    pagination_class = CheckinPagination
    serializer_class = DailyRecordSerializer
    filter_backends = []

    def get_throttles(self):
        # Reading is not rationed; writing is (a stuck app must not flood the clinic's records).
        return super().get_throttles() if self.request.method == "POST" else []

    @extend_schema(
        tags=[PATIENT_TAG],
        operation_id="checkins_list",
        summary="The patient's own daily records, newest first",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="First date (YYYY-MM-DD), included."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last date (YYYY-MM-DD), included."),
            OpenApiParameter("page_size", {"type": "integer", "minimum": 1}, description="Records a page (30 unless given; at most 100)."),
        ],
        responses={200: DailyRecordSerializer(many=True), **error_responses(400, *_PATIENT_ERRORS, 404)},
    )
    def get(self, request):
        # A plain dict, so that an empty `to=` is a bad date rather than no date.
        query = _DateRangeSerializer(data=dict(request.query_params.items()))
        query.is_valid(raise_exception=True)
        records = patient_daily_records(
            patient=self.patient, date_from=query.validated_data.get("from"), date_to=query.validated_data.get("to")
        )
        page = self.paginate_queryset(records)
        for record in page:
            record.patient = self.patient
        self.audit(AuditEvent.Action.LIST, AuditEvent.Resource.CHECKINS, detail=f"{len(page)} daily records")
        return self.get_paginated_response(DailyRecordSerializer(page, many=True).data)

    @extend_schema(
        tags=[PATIENT_TAG],
        operation_id="checkins_create",
        summary="Send a daily check-in",
        description=(
            "201 with the day's record when it is the day's first check-in; 200 when it merged into the "
            "day's record (given values replace earlier ones, symptoms and milestones accumulate) or when "
            "the client_id was sent before (nothing changes; the first answer is returned). A red flag "
            "brings `advice` in the patient's language."
        ),
        request=CheckinSerializer,
        responses={
            201: OpenApiResponse(CheckinAnswerSerializer, description="The day's first check-in: the new daily record."),
            200: OpenApiResponse(CheckinAnswerSerializer, description="Merged into the day's record, or a replay of a client_id."),
            **error_responses(400, *_PATIENT_ERRORS, 429),
        },
        examples=[OpenApiExample("check-in", value=_CHECKIN_EXAMPLE, request_only=True)],
    )
    def post(self, request):
        now = timezone.now()
        serializer = CheckinSerializer(data=request.data, context={"patient": self.patient, "now": now})
        serializer.is_valid(raise_exception=True)
        try:
            # The service writes the audit row with the check-in, so that both commit together.
            outcome = _submit(serializer, self.patient, channel=Channel.APP, now=now,
                              audit=AuditSource.of(request.user, channel="api", request=request))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return Response(outcome.body, status=outcome.http_status)


class _DateRangeSerializer(serializers.Serializer):
    def get_fields(self):
        # "from" is a Python keyword, so the fields are named here.
        return {"from": StrictDateField(required=False), "to": StrictDateField(required=False)}

    def validate(self, attrs):
        if attrs.get("from") and attrs.get("to") and attrs["from"] > attrs["to"]:
            raise serializers.ValidationError({"from": ["Must not be after `to`."]})
        return attrs


class CheckinSyncView(CheckinThrottleMixin, PatientAPIView):
    @extend_schema(
        tags=[PATIENT_TAG],
        operation_id="checkins_sync_create",
        summary="Send check-ins kept while offline (at most 100)",
        description=(
            "Each check-in is judged on its own, in the order sent, and gets its own result: `created`, "
            "`merged`, `duplicate` (its client_id was sent before; nothing changed) or `invalid` (with "
            "`errors`, as a 400 would give them). One bad item does not reject the others."
        ),
        request=SyncRequestSerializer,
        responses={200: SyncResponseSerializer, **error_responses(400, *_PATIENT_ERRORS, 429)},
        examples=[OpenApiExample("sync", value={"checkins": [_CHECKIN_EXAMPLE]}, request_only=True)],
    )
    def post(self, request):
        items = request.data.get("checkins") if isinstance(request.data, dict) else None
        if not isinstance(items, list):
            raise serializers.ValidationError({"checkins": ["Expected a list of check-ins."]})
        if len(items) > SYNC_MAX_ITEMS:
            raise serializers.ValidationError({"checkins": [f"At most {SYNC_MAX_ITEMS} check-ins in one sync; send the rest in another."]})
        # One transaction for the batch (each item in its own savepoint, so a bad one is undone alone),
        # committed once with its audit row.
        with transaction.atomic():
            results = [self._one(item) for item in items]
            counts = {}
            for result in results:
                counts[result["status"]] = counts.get(result["status"], 0) + 1
            self.audit(AuditEvent.Action.UPDATE, AuditEvent.Resource.CHECKINS, detail="sync: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
        return Response({"results": results})

    def _one(self, item) -> dict:
        raw_id = item.get("client_id") if isinstance(item, dict) else None
        client_id = raw_id[:64] if isinstance(raw_id, str) else None
        now = timezone.now()
        serializer = CheckinSerializer(data=item, context={"patient": self.patient, "now": now})
        if not serializer.is_valid():
            return {"client_id": client_id, "status": "invalid", "errors": _flat_errors(serializer.errors)}
        try:
            with transaction.atomic():  # a savepoint: whatever goes wrong with this item is undone alone
                outcome = _submit(serializer, self.patient, channel=Channel.SYNC, now=now)
        except DjangoValidationError as exc:
            return {"client_id": client_id, "status": "invalid", "errors": exc.message_dict}
        return {"client_id": str(serializer.validated_data["client_id"]), "status": outcome.status, "record": outcome.body}


def _flat_errors(errors) -> dict:
    """DRF's error dict as plain {field: [message, ...]}."""
    return {field: [str(m) for m in (messages if isinstance(messages, list) else [messages])] for field, messages in errors.items()}


class ProgressView(PatientAPIView):
    @extend_schema(
        tags=[PATIENT_TAG],
        operation_id="me_progress_retrieve",
        summary="Each day since surgery beside the expected range, and each milestone with its window and state",
        responses={200: ProgressSerializer, **error_responses(*_PATIENT_ERRORS)},
    )
    def get(self, request):
        patient = self.patient
        progress = patient_progress(patient=patient, language=patient.language)
        progress["notice"] = not_monitored_notice(patient.language)
        self.audit(AuditEvent.Action.VIEW, AuditEvent.Resource.PROGRESS)
        return Response(ProgressSerializer(progress).data)

