"""The nurses' calls for a patient's caregivers: `GET`, `POST /api/v1/patients/{id}/caregivers/`, and
`PATCH /api/v1/patients/{id}/caregivers/{caregiver_id}/` (what the caregiver is texted, their consent).

Scoped like every staff call (patients.selectors.patients_for_nurse): another clinic's patient is a 404.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from caregivers.models import Caregiver
from caregivers.selectors import patient_caregivers
from caregivers.services import caregiver_add, caregiver_update
from patients.audit import audit_record
from patients.choices import Language
from patients.models import AuditEvent, Patient
from patients.openapi import error_responses
from patients.permissions import IsStaff
from patients.selectors import patients_for_nurse
from patients.validators import validate_e164
from recovery.api.pagination import StrictPagination


class CaregiverSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(max_length=16, validators=[validate_e164], help_text="E.164, e.g. +15551230002.")
    language = serializers.ChoiceField(choices=Language.choices, default=Language.EN)
    sms_opt_in = serializers.BooleanField(default=False, help_text="The caregiver's own consent to SMS.")
    receives = serializers.ChoiceField(
        choices=Caregiver.Receives.choices, default=Caregiver.Receives.MISSED_DAY,
        help_text="What the caregiver is texted, as the patient chooses: `reminders` (a copy of each daily reminder, "
        "with the caregiver's own check-in link), `missed_day` (a nudge at the reminder time after a day the patient "
        "did not check in), or `nothing`. Only with the caregiver's own SMS consent.",
    )
    sms_opt_out_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="When the caregiver texted STOP.")
    phone_invalid_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When Twilio said the number cannot take SMS (nothing more is sent to it)."
    )
    checkins_count = serializers.IntegerField(read_only=True, default=0, help_text="Check-ins the caregiver gave for the patient.")
    last_checkin_date = serializers.DateField(read_only=True, allow_null=True, default=None)

    class Meta:
        model = Caregiver
        fields = [
            "id", "patient", "name", "relationship", "phone", "language", "sms_opt_in", "receives", "sms_opt_out_at", "phone_invalid_at",
            "created_at", "checkins_count", "last_checkin_date",
        ]
        read_only_fields = ["id", "patient", "created_at", "sms_opt_out_at", "phone_invalid_at"]


class CaregiverChangeSerializer(serializers.Serializer):
    receives = serializers.ChoiceField(choices=Caregiver.Receives.choices, required=False)
    sms_opt_in = serializers.BooleanField(required=False, help_text="The caregiver's own consent to SMS, as the caregiver gave it.")
    language = serializers.ChoiceField(choices=Language.choices, required=False)

    def validate(self, attrs):
        unknown = set(self.initial_data) - set(self.fields) if hasattr(self.initial_data, "keys") else set()
        if unknown:
            raise serializers.ValidationError({name: ["This field cannot be changed here."] for name in sorted(unknown)})
        if not attrs:
            raise serializers.ValidationError({"non_field_errors": ["Give at least one of receives, sms_opt_in, language."]})
        return attrs


_ERRORS = (401, 403, 404)


@extend_schema_view(
    get=extend_schema(responses={200: CaregiverSerializer(many=True), **error_responses(400, *_ERRORS)}),
    post=extend_schema(request=CaregiverSerializer, responses={201: CaregiverSerializer, **error_responses(400, *_ERRORS)}),
)
class PatientCaregivers(generics.ListCreateAPIView):
    """A patient's caregivers (who may answer for the patient), and adding one."""

    permission_classes = [IsStaff]
    pagination_class = StrictPagination
    serializer_class = CaregiverSerializer

    def get_patient(self) -> Patient:
        if not hasattr(self, "_patient"):
            self._patient = generics.get_object_or_404(patients_for_nurse(user=self.request.user).only("id"), pk=self.kwargs["pk"])
        return self._patient

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Caregiver.objects.none()
        return patient_caregivers(patient_id=self.get_patient().pk)

    def list(self, request, *args, **kwargs):
        patient = self.get_patient()
        page = self.paginate_queryset(self.get_queryset())
        audit_record(actor=request.user, patient=patient, action=AuditEvent.Action.VIEW, resource="caregivers", request=request)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request, *args, **kwargs):
        patient = self.get_patient()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            caregiver = caregiver_add(patient=patient, user=request.user, request=request, channel="api", **serializer.validated_data)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        return Response(self.get_serializer(caregiver).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    patch=extend_schema(request=CaregiverChangeSerializer, responses={200: CaregiverSerializer, **error_responses(400, *_ERRORS)}),
)
class PatientCaregiver(generics.GenericAPIView):
    """Change what one of the patient's caregivers is texted (as the patient chooses), their consent or language."""

    permission_classes = [IsStaff]
    serializer_class = CaregiverChangeSerializer
    http_method_names = ["patch", "options"]

    def patch(self, request, *args, **kwargs):
        patient = generics.get_object_or_404(patients_for_nurse(user=request.user).only("id"), pk=self.kwargs["pk"])
        caregiver = generics.get_object_or_404(Caregiver.objects.filter(patient=patient), pk=self.kwargs["caregiver_id"])
        serializer = CaregiverChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            caregiver_update(caregiver=caregiver, user=request.user, request=request, channel="api", now=timezone.now(), **serializer.validated_data)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        return Response(CaregiverSerializer(patient_caregivers(patient_id=patient.pk).get(pk=caregiver.pk)).data)
