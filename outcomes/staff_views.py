"""The nurses' pages of the outcome questionnaires, inside the dashboard: a questionnaire entered from a
phone call, and the cohort's scores as CSV. The patient page's outcomes section and the cohort's MCID
table are drawn by outcomes.dashboard into the dashboard's own pages."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from dashboard.forms import CohortExportForm
from dashboard.views import _page, _patient_or_404, nurse_required
from outcomes.definition import items_of
from outcomes.models import QuestionnaireResponse, ResponseStatus, TimePoint
from outcomes.selectors import COHORT_SCORE_COLUMNS, cohort_score_rows
from outcomes.services import ResponseClosed, ResponseIncomplete, questionnaire_response_save
from patients.audit import AuditSource, audit_record
from patients.models import AuditEvent
from recovery.exports import csv_response
from recovery.selectors.exports import cohort_patients

CHANNEL = "dashboard"


class EntryForm(forms.Form):
    """Every item of the instrument as a choice (or a number), as the patient answers on the phone."""

    def __init__(self, *args, items, current: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            if item.type == "choice":
                field = forms.ChoiceField(label=item.text, choices=[(o.code, f"{o.display} ({o.value.normalize():f})") for o in item.options],
                                          widget=forms.RadioSelect, required=False)
            else:
                field = forms.IntegerField(label=item.text, min_value=item.min_value, max_value=item.max_value, required=False)
            field.initial = current.get(item.link_id)
            self.fields[item.link_id] = field

    def answers(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


def _time_point_or_404(patient, time_point_id: int) -> TimePoint:
    tp = TimePoint.objects.select_related("instrument").filter(pk=time_point_id, instrument__active=True).first()
    if tp is None or not tp.instrument.offered_after(patient.procedure):
        raise Http404("No such questionnaire.")
    return tp


@nurse_required
@require_http_methods(["GET", "POST"])
def questionnaire_entry(request, patient_id: int, time_point_id: int):
    """Enter a questionnaire a patient answers on the phone: saved as incomplete, or completed and
    scored when every required item is answered."""
    patient = _patient_or_404(request, patient_id)
    tp = _time_point_or_404(patient, time_point_id)
    instrument = tp.instrument
    items = items_of(instrument.questionnaire)
    existing = QuestionnaireResponse.objects.filter(patient=patient, time_point=tp).first()
    if existing is not None and existing.status == ResponseStatus.COMPLETED:
        messages.info(request, f"{instrument.title} at {tp.label} is already completed (score {existing.score}).")
        return redirect(reverse("dashboard:patient", args=[patient.pk]) + "#outcomes")
    current = existing.answers if existing is not None else {}
    status = 200
    if request.method == "POST":
        form = EntryForm(request.POST, items=items, current=current)
        if form.is_valid():
            finish = request.POST.get("action") != "save"
            try:
                outcome = questionnaire_response_save(
                    patient=patient, instrument=instrument, time_point=tp, answers=form.answers(), finish=finish,
                    channel="staff", source=AuditSource.of(request.user, channel=CHANNEL, request=request),
                    now=timezone.now(), entered_by=request.user,
                )
            except ResponseIncomplete as exc:
                for link_id in exc.missing:
                    form.add_error(link_id, "Required: ask this one, or save as incomplete.")
                status = 400
            except ResponseClosed:
                messages.info(request, f"{instrument.title} at {tp.label} was completed meanwhile.")
                return redirect(reverse("dashboard:patient", args=[patient.pk]) + "#outcomes")
            else:
                response = outcome.response
                done = f"score {response.score}" if response.score is not None else "kept as incomplete"
                messages.success(request, f"{instrument.title} at {tp.label} recorded: {done}.")
                return redirect(reverse("dashboard:patient", args=[patient.pk]) + "#outcomes")
        else:
            status = 400
    else:
        form = EntryForm(items=items, current=current)
    # The form shows the patient and any answers kept: a view, also when it comes back with errors.
    audit_record(actor=request.user, patient=patient, action=AuditEvent.Action.VIEW, resource="questionnaire_responses",
                 detail=f"entry form of {instrument.code} {tp.code}" + (" (sent back with errors)" if status == 400 else ""),
                 channel=CHANNEL, request=request)
    context = {"patient": patient, "instrument": instrument, "time_point": tp, "form": form, "existing": existing}
    return _page(request, "outcomes/entry.html", context, status=status, nav="worklist")


@nurse_required
@require_GET
def cohort_scores_export(request):
    """The cohort's questionnaire scores as CSV, filtered as the cohort export, patients by public id only."""
    form = CohortExportForm(request.GET, clinics=request.clinics)
    if not form.is_valid():
        errors = "; ".join(f"{field}: {' '.join(errs)}" for field, errs in form.errors.items())
        return HttpResponse(f"Bad export request: {errors}", status=400, content_type="text/plain; charset=utf-8")
    data = form.cleaned_data
    clinic_ids = [data["clinic"]] if data.get("clinic") else [c.pk for c in request.clinics]
    patients = cohort_patients(user=request.user, clinic_ids=clinic_ids, procedure=data["procedure"], status=data["status"])
    audit_record(
        actor=request.user, patient=None, action=AuditEvent.Action.EXPORT, resource="cohort_scores",
        detail=f"csv of clinics {','.join(str(c) for c in clinic_ids)}; procedure={data['procedure'] or 'any'}; status={data['status'] or 'any'}",
        channel=CHANNEL, request=request,
    )
    return csv_response(filename="cohort-scores.csv", header=COHORT_SCORE_COLUMNS, rows=cohort_score_rows(patients=patients))
