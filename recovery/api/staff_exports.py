"""The staff API's CSV export of one patient's record: daily records, alerts, the patient's messages
(and what the apps above add: questionnaire scores), streamed; the export is written to the audit trail."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.views import APIView

from patients.audit import audit_record
from patients.models import AuditEvent
from patients.openapi import error_responses
from patients.permissions import IsStaff
from patients.selectors import patients_for_nurse
from recovery.exports import csv_response
from recovery.selectors.exports import patient_record_export


class CsvOrJsonErrors(DefaultContentNegotiation):
    """The answer is CSV whatever Accept says (`text/csv` included); errors are JSON, as on every call."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class StaffPatientExport(APIView):
    """One patient of the nurse's clinics, as CSV; another clinic's patient is a 404."""

    permission_classes = [IsStaff]
    content_negotiation_class = CsvOrJsonErrors

    @extend_schema(
        operation_id="patients_export_csv",
        summary="One patient's record as CSV",
        description=(
            "Daily records, alerts, the patient's own messages and questionnaire responses, one row each, with a "
            "`section` column (`daily_record`, `alert`, `message`, `questionnaire`; the last with `instrument`, "
            "`time_point` and `score`); times in the patient's time zone. Streamed. Writes an audit row with the "
            "action `export`."
        ),
        responses={
            (200, "text/csv"): OpenApiResponse(response=OpenApiTypes.STR, description="The CSV, with a header row."),
            **error_responses(401, 403, 404),
        },
    )
    def get(self, request, pk: int):
        patient = generics.get_object_or_404(patients_for_nurse(user=request.user), pk=pk)
        audit_record(
            actor=request.user, patient=patient, action=AuditEvent.Action.EXPORT, resource="patient_record", detail="csv", request=request
        )
        header, rows = patient_record_export(patient=patient)
        return csv_response(filename=f"patient-{patient.pk}-record.csv", header=header, rows=rows)
