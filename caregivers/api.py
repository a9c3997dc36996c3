"""The nurses' call for a patient's caregivers: `GET`, `POST /api/v1/patients/{id}/caregivers/`.

Scoped like every staff call (patients.selectors.patients_for_nurse): another clinic's patient is a 404.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api.openapi import error_responses
from api.pagination import StrictPagination
from caregivers.models import Caregiver
from caregivers.selectors import patient_caregivers
from caregivers.services import caregiver_add
from patients.audit import audit_record
from patients.choices import Language
from patients.models import AuditEvent, Patient
from patients.permissions import IsStaff
from patients.selectors import patients_for_nurse
from patients.validators import validate_e164


class CaregiverSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(max_length=16, validators=[validate_e164], help_text="E.164, e.g. +15551230002.")
    language = serializers.ChoiceField(choices=Language.choices, default=Language.EN)
    sms_opt_in = serializers.BooleanField(default=False, help_text="The caregiver's own consent to SMS.")
    checkins_count = serializers.IntegerField(read_only=True, default=0, help_text="Check-ins the caregiver gave for the patient.")
    last_checkin_date = serializers.DateField(read_only=True, allow_null=True, default=None)

    class Meta:
        model = Caregiver
        fields = ["id", "patient", "name", "relationship", "phone", "language", "sms_opt_in", "created_at", "checkins_count", "last_checkin_date"]
        read_only_fields = ["id", "patient", "created_at"]


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
        audit_record(actor=request.user, patient=patient, action=AuditEvent.Action.VIEW, resource=AuditEvent.Resource.CAREGIVERS, request=request)
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
