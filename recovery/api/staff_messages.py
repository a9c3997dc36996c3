"""The nurses' calls on patients' messages: the words the service did not fully read, and free-text
notes, newest first; and marking one read. Scoped to the nurse's clinics (another clinic's message is
a 404), every read audited."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from api.openapi import error_responses
from api.pagination import StrictPagination
from patients.audit import audit_record_many
from patients.models import AuditEvent
from patients.permissions import IsStaff
from recovery.api.staff import _STAFF_ERRORS
from recovery.choices import Channel, MessageReason
from recovery.models import PatientMessage
from recovery.selectors.messages import MESSAGE_STATUSES, message_patient_ids, patient_message_list
from recovery.services.messages import patient_message_read


class StaffPatientMessageSerializer(serializers.ModelSerializer):
    patient = serializers.IntegerField(
        source="patient_id", read_only=True, allow_null=True, help_text="The patient's id; empty for a phone shared by several patients."
    )
    candidates = serializers.SerializerMethodField(help_text="For a shared phone: the ids of the clinic's patients who hold it.")
    clinic = serializers.IntegerField(source="clinic_id", read_only=True, help_text="The clinic's id.")
    # The values alone, as the check-in's channel: one enum in the schema for both.
    channel = serializers.ChoiceField(choices=[c.value for c in Channel], read_only=True, help_text="How it came in.")
    reason = serializers.ChoiceField(
        choices=MessageReason.choices,
        read_only=True,
        help_text="note: a free-text note of a check-in; not_understood: an SMS the service did not fully read; "
        "shared_phone: an SMS from a phone held by more than one patient of the clinic.",
    )
    text = serializers.CharField(read_only=True, help_text="The patient's words as they came.")
    date = serializers.DateField(read_only=True, allow_null=True, help_text="The patient-local date it describes, where known.")
    read_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True, help_text="The nurse who marked it read.")

    class Meta:
        model = PatientMessage
        fields = ["id", "patient", "candidates", "clinic", "channel", "reason", "text", "received_at", "date", "read_at", "read_by"]
        read_only_fields = fields

    def get_candidates(self, message: PatientMessage) -> list[int]:
        return sorted(c.pk for c in message.candidates.all())


class StaffPatientMessageQuery(serializers.Serializer):
    """The list's filters; a bad value is a 400 naming it."""

    status = serializers.ChoiceField(choices=[(s, s) for s in MESSAGE_STATUSES], required=False, help_text="unread or read; both when left out.")
    patient = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="A patient's id: the patient's messages and those from a phone the patient shares."
    )


@extend_schema_view(
    get=extend_schema(
        parameters=[StaffPatientMessageQuery],
        responses={200: StaffPatientMessageSerializer(many=True), **error_responses(400, *_STAFF_ERRORS)},
    )
)
class StaffPatientMessageList(generics.ListAPIView):
    """Patients' messages of the nurse's clinics that the service did not fully read, and free-text
    notes, newest first; unread ones wait until a nurse marks them read."""

    permission_classes = [IsStaff]
    pagination_class = StrictPagination
    serializer_class = StaffPatientMessageSerializer
    filter_backends = []

    def get_queryset(self):
        return PatientMessage.objects.none()

    def list(self, request, *args, **kwargs):
        query = StaffPatientMessageQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        messages = patient_message_list(
            nurse=request.user, status=query.validated_data.get("status"), patient_id=query.validated_data.get("patient")
        )
        page = self.paginate_queryset(messages)
        patient_ids = sorted({pk for message in page for pk in message_patient_ids(message) if pk is not None})
        audit_record_many(actor=request.user, patients=patient_ids, action=AuditEvent.Action.LIST, resource=AuditEvent.Resource.MESSAGES, request=request)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema(request=None, responses={200: StaffPatientMessageSerializer, **error_responses(*_STAFF_ERRORS, 404)})
class StaffPatientMessageRead(generics.GenericAPIView):
    """The nurse has read the message: it leaves the unread list, with who and when recorded. Marking a
    message already read changes nothing (the first reader stays)."""

    permission_classes = [IsStaff]
    serializer_class = StaffPatientMessageSerializer

    def get_queryset(self):
        return PatientMessage.objects.none()

    def post(self, request, *args, **kwargs):
        try:
            message = patient_message_read(message_id=self.kwargs["pk"], nurse=request.user, channel="api", request=request)
        except PatientMessage.DoesNotExist as exc:
            raise NotFound("No such message.") from exc
        return Response(self.get_serializer(patient_message_list(nurse=request.user).get(pk=message.pk)).data)
