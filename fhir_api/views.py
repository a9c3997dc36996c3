"""The read-only FHIR R4 API under /fhir/R4/: thin views over fhir_api.selectors and fhir_api.resources.

Staff bearer tokens only (a patient's token is a 403); a resource of another clinic is a 404 and
searches leave it out; every read of patient data writes an audit row on the `fhir` channel; every
error is an OperationOutcome.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication

from fhir_api import resources, search, selectors
from outcomes import fhir as outcomes_fhir
from outcomes import selectors as outcomes_selectors
from patients.audit import audit_record, audit_record_many
from patients.models import AuditEvent
from patients.permissions import IsStaff

CHANNEL = "fhir"
_ISSUE_CODES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported", 429: "throttled"}


class FhirJSONRenderer(JSONRenderer):
    media_type = "application/fhir+json"
    format = "fhir+json"


class FhirOnly(BaseContentNegotiation):
    """Every answer is FHIR JSON, whatever Accept says (application/json, */* or a browser's list)."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _not_found(what: str) -> exceptions.NotFound:
    return exceptions.NotFound(f"{what} not found.")


class FhirView(APIView):
    authentication_classes = [JWTAuthentication]
    permission_classes = [IsStaff]
    renderer_classes = [FhirJSONRenderer]
    content_negotiation_class = FhirOnly

    def handle_exception(self, exc):
        if isinstance(exc, search.SearchError):
            outcome = resources.operation_outcome(code="invalid", diagnostics=exc.message, expression=exc.parameter)
            return Response(outcome, status=400)
        response = super().handle_exception(exc)  # the 401's Bearer challenge, the 503 of a database outage
        detail = getattr(exc, "detail", None) or response.reason_phrase or "Error."
        code = _ISSUE_CODES.get(response.status_code, "exception")
        response.data = resources.operation_outcome(code=code, diagnostics=str(detail))
        return response

    def audit(self, *, patient, resource: str, action: str = AuditEvent.Action.VIEW) -> None:
        audit_record(
            actor=self.request.user,
            patient=patient,
            action=action,
            resource=resource,
            detail=self.request.get_full_path()[:500],
            channel=CHANNEL,
            request=self.request,
        )

    def searchset(self, *, kind: str, total: int, page: search.Page, entries: list[dict]) -> Response:
        """A searchset Bundle: `entries` are the page's resources; links keep the query, `next`
        while matches remain."""
        query = self.request.query_params.copy()
        self_url = f"{resources.base_url()}/{kind}"
        if query:
            self_url += f"?{query.urlencode()}"
        next_url = None
        if page.offset + page.count < total:
            query["_offset"] = str(page.offset + page.count)
            query["_count"] = str(page.count)
            next_url = f"{resources.base_url()}/{kind}?{query.urlencode()}"
        return Response(resources.searchset(entries=entries, total=total, self_url=self_url, next_url=next_url))


def _searched_patient(request):
    """The `patient` of a search, or None when it is not one of the nurse's (the search then finds nothing)."""
    return selectors.fhir_patient(user=request.user, patient_id=search.patient_id(request.query_params))


@extend_schema(exclude=True)
class Metadata(FhirView):
    """The CapabilityStatement, open to anyone as FHIR expects: it holds no patient data."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request):
        return Response(resources.capability_statement())


@extend_schema(exclude=True)
class PatientSearch(FhirView):
    def get(self, request):
        query = request.query_params
        search.reject_unknown(query, {"family", "identifier"})
        page = search.page(query)
        patients = selectors.fhir_patient_search(
            user=request.user,
            family=search.string(query, "family"),
            identifiers=search.tokens(query, "identifier"),
            known_system=resources.patient_identifier_system(),
        )
        total = patients.count()
        rows = list(patients[page.offset : page.offset + page.count])
        audit_record_many(
            actor=request.user, patients=rows, action=AuditEvent.Action.LIST, resource="Patient", channel=CHANNEL, request=request
        )
        return self.searchset(kind="Patient", total=total, page=page, entries=[resources.patient_resource(p) for p in rows])


@extend_schema(exclude=True)
class PatientRead(FhirView):
    def get(self, request, pk: int):
        patient = selectors.fhir_patient(user=request.user, patient_id=pk)
        if patient is None:
            raise _not_found("Patient")
        self.audit(patient=patient, resource="Patient")
        return Response(resources.patient_resource(patient))


@extend_schema(exclude=True)
class PatientEverything(FhirView):
    """The patient, every Observation, every Flag and every QuestionnaireResponse, in one searchset
    Bundle (not paged: one patient's program is a few months of days)."""

    def get(self, request, pk: int):
        search.reject_unknown(request.query_params, set())
        patient = selectors.fhir_patient(user=request.user, patient_id=pk)
        if patient is None:
            raise _not_found("Patient")
        fields = [m.field for m in resources.measures()]
        records = selectors.fhir_daily_records(patient=patient, date_lookups=[], fields=fields)
        entries = [resources.patient_resource(patient)]
        entries += [obs for record in records for obs in resources.record_observations(record)]
        entries += [resources.flag_resource(alert) for alert in selectors.fhir_alerts(patient=patient)]
        entries += [outcomes_fhir.questionnaire_response_resource(r) for r in outcomes_selectors.patient_responses(patient=patient)]
        self.audit(patient=patient, resource="Patient/$everything")
        page = search.Page(count=len(entries), offset=0)
        return self.searchset(kind=f"Patient/{patient.pk}/$everything", total=len(entries), page=page, entries=entries)


def _wanted_measures(codes: list[tuple[str | None, str]]) -> tuple[resources.Measure, ...]:
    if not codes:
        return resources.measures()
    return tuple(m for m in resources.measures() if any(code == m.code and system in (None, "", m.system) for system, code in codes))


@extend_schema(exclude=True)
class ObservationSearch(FhirView):
    """One Observation per value logged a day. The patient's matching records are read in one query
    and expanded here: one patient's program is bounded (a few months of days)."""

    def get(self, request):
        query = request.query_params
        search.reject_unknown(query, {"patient", "date", "code"})
        page = search.page(query)
        bounds = search.dates(query)
        wanted = _wanted_measures(search.tokens(query, "code"))
        patient = _searched_patient(request)
        observations: list[dict] = []
        if patient is not None and wanted:
            lookups = [lookup for lookup in (b.lookup() for b in bounds) if lookup is not None]
            excluded = [b for b in bounds if b.lookup() is None]
            records = selectors.fhir_daily_records(patient=patient, date_lookups=lookups, fields=[m.field for m in wanted])
            observations = [
                obs
                for record in records
                if all(b.matches(record.date) for b in excluded)
                for obs in resources.record_observations(record, wanted)
            ]
        if patient is not None:
            self.audit(patient=patient, resource="Observation")
        entries = observations[page.offset : page.offset + page.count]
        return self.searchset(kind="Observation", total=len(observations), page=page, entries=entries)


@extend_schema(exclude=True)
class ObservationRead(FhirView):
    def get(self, request, observation_id: str):
        record_id, _, slug = observation_id.partition("-")
        measure = resources.measure_by_slug(slug)
        record = None
        if record_id.isdigit() and len(record_id) <= 18 and measure is not None:
            record = selectors.fhir_daily_record(user=request.user, record_id=int(record_id))
        if record is None or getattr(record, measure.field) is None:
            raise _not_found("Observation")
        self.audit(patient=record.patient_id, resource="Observation")
        return Response(resources.observation_resource(record, measure))


@extend_schema(exclude=True)
class FlagSearch(FhirView):
    def get(self, request):
        query = request.query_params
        search.reject_unknown(query, {"patient"})
        page = search.page(query)
        patient = _searched_patient(request)
        flags: list[dict] = []
        if patient is not None:
            flags = [resources.flag_resource(alert) for alert in selectors.fhir_alerts(patient=patient)]
            self.audit(patient=patient, resource="Flag")
        return self.searchset(kind="Flag", total=len(flags), page=page, entries=flags[page.offset : page.offset + page.count])


@extend_schema(exclude=True)
class FlagRead(FhirView):
    def get(self, request, pk: int):
        alert = selectors.fhir_alert(user=request.user, alert_id=pk)
        if alert is None:
            raise _not_found("Flag")
        self.audit(patient=alert.patient_id, resource="Flag")
        return Response(resources.flag_resource(alert))


@extend_schema(exclude=True)
class QuestionnaireResponseSearch(FhirView):
    """The patient's questionnaire responses (outcomes), complete and incomplete, oldest first."""

    def get(self, request):
        query = request.query_params
        search.reject_unknown(query, {"patient"})
        page = search.page(query)
        patient = _searched_patient(request)
        entries: list[dict] = []
        if patient is not None:
            entries = [outcomes_fhir.questionnaire_response_resource(r) for r in outcomes_selectors.patient_responses(patient=patient)]
            self.audit(patient=patient, resource="QuestionnaireResponse")
        return self.searchset(kind="QuestionnaireResponse", total=len(entries), page=page, entries=entries[page.offset : page.offset + page.count])


@extend_schema(exclude=True)
class QuestionnaireResponseRead(FhirView):
    def get(self, request, pk: int):
        response = outcomes_selectors.fhir_response(user=request.user, response_id=pk)
        if response is None:
            raise _not_found("QuestionnaireResponse")
        self.audit(patient=response.patient_id, resource="QuestionnaireResponse")
        return Response(outcomes_fhir.questionnaire_response_resource(response))


@extend_schema(exclude=True)
class QuestionnaireSearch(FhirView):
    """The instruments loaded (every version; no patient data, so not audited). `url` narrows to one."""

    def get(self, request):
        query = request.query_params
        search.reject_unknown(query, {"url", "status"})
        page = search.page(query)
        instruments = outcomes_selectors.fhir_instruments(url=search.string(query, "url", max_length=300), status=search.string(query, "status"))
        entries = [outcomes_fhir.questionnaire_resource(i) for i in instruments]
        return self.searchset(kind="Questionnaire", total=len(entries), page=page, entries=entries[page.offset : page.offset + page.count])


@extend_schema(exclude=True)
class QuestionnaireRead(FhirView):
    def get(self, request, pk: int):
        instrument = outcomes_selectors.fhir_instrument(instrument_id=pk)
        if instrument is None:
            raise _not_found("Questionnaire")
        return Response(outcomes_fhir.questionnaire_resource(instrument))


@extend_schema(exclude=True)
class Unsupported(FhirView):
    """Any other path under /fhir/R4/: a 404 OperationOutcome rather than the site's HTML page."""

    def get(self, request, rest: str = ""):
        raise exceptions.NotFound(f"No such resource or operation here: {rest}. See /fhir/R4/metadata.")
