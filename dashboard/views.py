"""The nurses' pages: thin views over the selectors and services; every read of patient data audited."""

import functools
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from caregivers.models import Caregiver
from caregivers.selectors import caregiver_answers, patient_caregivers
from caregivers.services import caregiver_add, caregiver_update
from dashboard.charts import cohort_pain_chart, milestone_timeline, pain_chart, walking_chart
from dashboard.forms import (
    AcknowledgeForm,
    AlertsFilterForm,
    CaregiverForm,
    CaregiverTextsForm,
    CohortExportForm,
    CohortFilterForm,
    MessagesFilterForm,
    PatientContactForm,
    ResolveForm,
    WorklistFilterForm,
)
from dashboard.selectors import (
    ALERTS_PAGE_SIZE,
    alert_for_nurse,
    alerts_inbox,
    navigation_counts,
    patient_alerts,
    patient_for_nurse,
    patient_messages,
)
from dashboard.services import patient_contact_update
from dashboard.tables import daily_record_rows, worklist_row_html
from outcomes.dashboard import cohort_outcomes, patient_outcomes
from patients.audit import AuditSource, audit_record, audit_record_many
from patients.choices import Procedure
from patients.models import AuditEvent
from patients.selectors import clinics_for_user
from recovery.exports import csv_response
from recovery.models import PatientMessage
from recovery.protocols import protocol_plan, protocol_plans
from recovery.selectors import patient_progress, patient_worklist
from recovery.selectors.cohort import (
    MIN_PATIENTS_FOR_MEDIAN,
    cohort_milestone_share,
    cohort_pain_by_day,
    cohort_procedure_counts,
    cohort_rule_usefulness,
    cohort_status_counts,
    milestone_judged_by_day,
)
from recovery.selectors.exports import (
    cohort_export_columns,
    cohort_export_rows,
    cohort_patients,
    patient_record_export,
)
from recovery.selectors.messages import message_patient_ids, patient_inbox, patient_message_list
from recovery.services.alerts import AlertAlreadyResolved, alert_acknowledge, alert_resolve
from recovery.services.messages import patient_message_read

CHANNEL = "dashboard"
COHORT_MAX_DAY = 90
MESSAGES_PAGE_SIZE = 50


def _source(request) -> AuditSource:
    """Who acts on the dashboard, for the audit row a service writes with its change."""
    return AuditSource.of(request.user, channel=CHANNEL, request=request)


def nurse_required(view):
    """A logged-in member of at least one clinic; the page is shown in the (first) clinic's time zone."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        clinics = list(clinics_for_user(user=request.user))
        if not clinics:
            return render(request, "dashboard/no_clinic.html", status=403)
        request.clinics = clinics
        # For this request only: the thread goes on to serve other views afterwards.
        with timezone.override(ZoneInfo(clinics[0].timezone)):
            return view(request, *args, **kwargs)

    return login_required(wrapper)


def _page(request, template: str, context: dict, *, status: int = 200, nav: str = ""):
    context.setdefault("clinics", request.clinics)
    counts = navigation_counts(clinic_ids=[c.pk for c in request.clinics])
    context.setdefault("open_alerts_total", counts.open_alerts)
    context.setdefault("unread_messages_total", counts.unread_messages)
    context["nav"] = nav
    return render(request, template, context, status=status)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


@nurse_required
@require_GET
def worklist(request):
    """Who needs the nurse now: filters, search and pages; `fragment=1` answers only the results, for
    the refresh without a full reload."""
    form = WorklistFilterForm(request.GET or None, clinics=request.clinics)
    filters, status = {}, 200
    if form.is_bound:
        if form.is_valid():
            filters = form.filters()
        else:
            status = 400
    now = timezone.now()
    worklist_page = patient_worklist(nurse=request.user, filters=filters, page=request.GET.get("page"), now=now)
    page, paginator, rows = worklist_page.page, worklist_page.paginator, worklist_page.rows
    audit_record_many(
        actor=request.user,
        patients=[row.patient for row in rows],
        action=AuditEvent.Action.LIST,
        resource=AuditEvent.Resource.WORKLIST,
        detail=f"page {page.number}",
        channel=CHANNEL,
        request=request,
    )
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("fragment", None)
    context = {
        "form": form,
        "page": page,
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "rows": rows,
        "row_html": worklist_row_html(rows, many_clinics=len(request.clinics) > 1),
        "query": query.urlencode(),
        "now": now,
        "many_clinics": len(request.clinics) > 1,
        # The folded filters open by themselves when some are in use (or wrong).
        "filters_active": any(request.GET.get(name) for name in ("q", "clinic", "procedure", "status")),
    }
    if request.GET.get("fragment") == "1":
        return render(request, "dashboard/_worklist_results.html", context, status=status)
    return _page(request, "dashboard/worklist.html", context, status=status, nav="worklist")


def _render_patient(request, patient, *, contact_form=None, alert_errors=None, caregiver_form=None, status=200):
    plan = protocol_plan(patient.procedure)
    # Labels (milestones, states) in the nurse's language, the page's.
    progress = patient_progress(patient=patient, plan=plan, language=get_language())
    alerts = patient_alerts(patient=patient)
    sms = patient_messages(patient=patient)
    inbox = patient_inbox(patient=patient)
    caregivers = list(patient_caregivers(patient_id=patient.pk))
    if contact_form is None:
        contact_form = PatientContactForm(
            clinic=patient.clinic,
            patient=patient,
            initial={
                "phone": patient.phone,
                "language": patient.language,
                "timezone": patient.timezone,
                "reminder_time": patient.reminder_time,
                "sms_opt_in": patient.sms_opt_in,
            },
        )
    today_day = progress["recovery_day"]
    days = progress["days"]
    logged = [d for d in days if d["logged"]]
    pain_days = [d for d in days if d["pain"] is not None]
    latest_pain = pain_days[-1] if pain_days else None
    red_flag_days = [d for d in days if d["symptoms"]]
    # One state per milestone, the engine's (recovery.protocols.milestone_state).
    milestones = progress["milestones"]
    audit_record(
        actor=request.user,
        patient=patient,
        action=AuditEvent.Action.VIEW,
        resource=AuditEvent.Resource.PATIENT,
        detail="patient page: progress, daily records, alerts, patient's messages, SMS, contact, caregivers",
        channel=CHANNEL,
        request=request,
    )
    context = {
        "patient": patient,
        "plan": plan,
        "progress": progress,
        "today_day": today_day,
        "days_desc": list(reversed(logged)),
        "record_rows": daily_record_rows(list(reversed(logged)), answered_by=caregiver_answers(patient_id=patient.pk)),
        "latest_pain": latest_pain,
        "red_flag_days": red_flag_days,
        "overdue": [m for m in milestones if m["state"] == "overdue"],
        "reached": [m for m in milestones if m["state"] == "reached"],
        "due": [m for m in milestones if m["state"] == "due"],
        "late": [m for m in milestones if m["state"] == "late"],
        "logged_count": len(logged),
        "alerts": alerts,
        "sms": sms,
        "inbox": inbox,
        "inbox_unread": sum(1 for m in inbox if m.read_at is None),
        "contact_form": contact_form,
        "caregivers": caregivers,
        "caregiver_form": caregiver_form or CaregiverForm(initial={"language": patient.language}),
        "receives_choices": Caregiver.Receives.choices,
        "alert_errors": alert_errors or {},
        "pain_chart": pain_chart(days=days, plan=plan, today_day=today_day),
        "walking_chart": walking_chart(days=days, plan=plan, today_day=today_day),
        "milestone_chart": milestone_timeline(milestones=milestones, today_day=today_day, program_days=progress["program_days"]),
        "ack_form": AcknowledgeForm(),
        "resolve_form": ResolveForm(),
        "outcomes": patient_outcomes(patient=patient, today=patient.local_today()),
    }
    return _page(request, "dashboard/patient.html", context, status=status, nav="worklist")


def _patient_or_404(request, patient_id: int):
    patient = patient_for_nurse(user=request.user, patient_id=patient_id)
    if patient is None:
        # Another clinic's patient and a patient that does not exist look the same.
        raise Http404("No such patient.")
    return patient


@nurse_required
@require_GET
def patient_detail(request, patient_id: int):
    return _render_patient(request, _patient_or_404(request, patient_id))


@nurse_required
@require_POST
def patient_contact(request, patient_id: int):
    patient = _patient_or_404(request, patient_id)
    form = PatientContactForm(request.POST, clinic=patient.clinic, patient=patient)
    if not form.is_valid():
        return _render_patient(request, patient, contact_form=form, status=400)
    data = form.cleaned_data
    changed = patient_contact_update(
        patient=patient,
        user=request.user,
        phone=data["phone"],
        language=data["language"],
        timezone_name=data["timezone"],
        reminder_time=data["reminder_time"],
        sms_opt_in=data["sms_opt_in"],
        request=request,
    )
    if changed:
        messages.success(request, _("Contact and reminder settings saved."))
    else:
        messages.info(request, _("Nothing changed."))
    return redirect(reverse("dashboard:patient", args=[patient.pk]) + "#contact")


@nurse_required
@require_POST
def patient_caregiver_add(request, patient_id: int):
    patient = _patient_or_404(request, patient_id)
    form = CaregiverForm(request.POST)
    if form.is_valid():
        try:
            caregiver_add(patient=patient, user=request.user, request=request, channel=CHANNEL, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
    if form.errors:
        return _render_patient(request, patient, caregiver_form=form, status=400)
    messages.success(request, _("Caregiver added."))
    return redirect(reverse("dashboard:patient", args=[patient.pk]) + "#caregivers")


@nurse_required
@require_POST
def patient_caregiver_texts(request, patient_id: int, caregiver_id: int):
    patient = _patient_or_404(request, patient_id)
    caregiver = Caregiver.objects.filter(patient=patient, pk=caregiver_id).first()
    if caregiver is None:
        raise Http404("No such caregiver.")
    form = CaregiverTextsForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Nothing changed: " + "; ".join(f"{form.fields[f].label}: {' '.join(e)}" for f, e in form.errors.items()))
        return redirect(reverse("dashboard:patient", args=[patient.pk]) + "#caregivers")
    changed = caregiver_update(caregiver=caregiver, user=request.user, request=request, channel=CHANNEL, now=timezone.now(), **form.cleaned_data)
    if changed:
        messages.success(request, f"Texts to {caregiver.name} saved.")
    else:
        messages.info(request, "Nothing changed.")
    return redirect(reverse("dashboard:patient", args=[patient.pk]) + "#caregivers")


def _alert_or_404(request, alert_id: int):
    alert = alert_for_nurse(user=request.user, alert_id=alert_id)
    if alert is None:
        raise Http404("No such alert.")
    return alert


@nurse_required
@require_POST
def alert_acknowledge_view(request, alert_id: int):
    alert = _alert_or_404(request, alert_id)
    default_next = reverse("dashboard:patient", args=[alert.patient_id]) + "#alerts"
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        if _wants_json(request):
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        messages.error(request, _("The note is too long (2,000 characters at most); the alert was not acknowledged."))
        return redirect(_safe_next(request, default_next))
    try:
        alert = alert_acknowledge(alert=alert, user=request.user, note=form.cleaned_data["note"], audit=_source(request))
    except ValidationError as exc:
        if _wants_json(request):
            return JsonResponse({"errors": exc.message_dict}, status=409)
        messages.error(request, _("This alert is already resolved."))
        return redirect(_safe_next(request, default_next))
    if _wants_json(request):
        alert = alerts_inbox(user=request.user).get(pk=alert.pk)
        row = render_to_string("dashboard/_alert_row.html", {"alert": alert, "next": _safe_next(request, "")}, request=request)
        return JsonResponse({"id": alert.pk, "status": alert.status, "row": row})
    messages.success(request, _("Alert acknowledged: %(kind)s for %(patient)s.") % {"kind": alert.get_kind_display(), "patient": alert.patient})
    return redirect(_safe_next(request, default_next))


@nurse_required
@require_POST
def alert_resolve_view(request, alert_id: int):
    alert = _alert_or_404(request, alert_id)
    default_next = reverse("dashboard:patient", args=[alert.patient_id]) + "#alerts"
    form = ResolveForm(request.POST)
    errors = None
    if form.is_valid():
        try:
            alert = alert_resolve(
                alert=alert, user=request.user, note=form.cleaned_data["note"], useful=form.cleaned_data["useful"],
                audit=_source(request),
            )
        except AlertAlreadyResolved:
            messages.error(request, _("This alert is already resolved."))
            return redirect(_safe_next(request, default_next))
        except ValidationError as exc:
            errors = [m for field_messages in exc.message_dict.values() for m in field_messages]
    else:
        errors = [m for field_messages in form.errors.values() for m in field_messages]
    if errors:
        patient = _patient_or_404(request, alert.patient_id)
        return _render_patient(request, patient, alert_errors={alert.pk: errors}, status=400)
    words = {"kind": alert.get_kind_display(), "patient": alert.patient}
    if alert.useful:
        words["useful"] = alert.get_useful_display().lower()
        messages.success(request, _("Alert resolved (%(useful)s): %(kind)s for %(patient)s.") % words)
    else:
        messages.success(request, _("Alert resolved: %(kind)s for %(patient)s.") % words)
    return redirect(_safe_next(request, default_next))


@nurse_required
@require_GET
def alerts(request):
    """Open and acknowledged alerts across the nurse's patients, urgent first."""
    form = AlertsFilterForm(request.GET or None)
    severity, status = "", 200
    if form.is_bound:
        if form.is_valid():
            severity = form.cleaned_data["severity"]
        else:
            status = 400
    paginator = Paginator(alerts_inbox(user=request.user, severity=severity), ALERTS_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    shown = list(page.object_list)
    audit_record_many(
        actor=request.user,
        patients=sorted({a.patient_id for a in shown}),
        action=AuditEvent.Action.LIST,
        resource=AuditEvent.Resource.ALERT,
        detail=f"alerts inbox page {page.number}",
        channel=CHANNEL,
        request=request,
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "open_alerts": [a for a in shown if a.status == "open"],
        "acknowledged_alerts": [a for a in shown if a.status == "acknowledged"],
        "query": query.urlencode(),
        "next": request.get_full_path(),
    }
    return _page(request, "dashboard/alerts.html", context, status=status, nav="alerts")


@nurse_required
@require_GET
def cohort(request):
    """How the nurse's patients are doing as a group, per procedure."""
    form = CohortFilterForm(request.GET or None, clinics=request.clinics)
    clinic_ids = [c.pk for c in request.clinics]
    status = 200
    if form.is_bound:
        if form.is_valid() and form.cleaned_data.get("clinic"):
            clinic_ids = [form.cleaned_data["clinic"]]
        elif not form.is_valid():
            status = 400
    today = timezone.localdate()
    counts = cohort_status_counts(clinic_ids=clinic_ids)
    per_procedure = cohort_procedure_counts(clinic_ids=clinic_ids)
    pain = cohort_pain_by_day(clinic_ids=clinic_ids, max_day=COHORT_MAX_DAY)
    plans = protocol_plans()
    # Each procedure's share is judged at the end of its own normal-activities window.
    judged_by = milestone_judged_by_day(plans)
    shares = {s.procedure: s for s in cohort_milestone_share(clinic_ids=clinic_ids, by_day=judged_by, as_of=today)}
    usefulness = cohort_rule_usefulness(clinic_ids=clinic_ids, as_of=today)
    procedures = []
    for code, label in Procedure.choices:
        rows = [r for r in pain if r.procedure == code]
        plan = plans.get(code)
        if not rows and code not in per_procedure:
            continue
        procedures.append(
            {
                "code": code,
                "label": label,
                "patients": per_procedure.get(code, 0),
                "share": shares.get(code),
                "by_day": judged_by.get(code),
                "rows": [(r, plan.pain_max(r.recovery_day) if plan else None) for r in rows],
                "chart": cohort_pain_chart(rows=rows, plan=plan, max_day=COHORT_MAX_DAY, chart_id=f"cohort-{code}", label=label),
            }
        )
    audit_record(
        actor=request.user,
        patient=None,
        action=AuditEvent.Action.LIST,
        resource=AuditEvent.Resource.COHORT,
        detail=f"cohort statistics of clinics {','.join(str(c) for c in clinic_ids)}",
        channel=CHANNEL,
        request=request,
    )
    context = {
        "form": form,
        "counts": counts,
        "procedures": procedures,
        "usefulness": usefulness,
        "patient_weeks": usefulness[0].patient_weeks if usefulness else 0,
        "min_patients": MIN_PATIENTS_FOR_MEDIAN,
        "max_day": COHORT_MAX_DAY,
        "selected_clinics": [c for c in request.clinics if c.pk in clinic_ids],
        "export_form": CohortExportForm(initial={"clinic": clinic_ids[0] if len(clinic_ids) == 1 else None}, clinics=request.clinics, auto_id="export_%s"),
        "outcomes": cohort_outcomes(clinic_ids=clinic_ids),
    }
    return _page(request, "dashboard/cohort.html", context, status=status, nav="cohort")


@nurse_required
@require_GET
def messages_inbox(request):
    """Patients' messages of the nurse's clinics: the unread ones (newest first) by default, or those
    read; a shared phone's message names its candidate patients."""
    form = MessagesFilterForm(request.GET or None)
    shown_status, status = "unread", 200
    if form.is_bound:
        if form.is_valid():
            shown_status = form.cleaned_data["status"] or "unread"
        else:
            status = 400
    paginator = Paginator(patient_message_list(nurse=request.user, status=shown_status), MESSAGES_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    shown = list(page.object_list)
    audit_record_many(
        actor=request.user,
        patients=sorted({pk for m in shown for pk in message_patient_ids(m) if pk is not None}),
        action=AuditEvent.Action.LIST,
        resource=AuditEvent.Resource.MESSAGES,
        detail=f"{shown_status} messages page {page.number}",
        channel=CHANNEL,
        request=request,
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "patient_messages": shown,
        "shown_status": shown_status,
        "query": query.urlencode(),
        "next": request.get_full_path(),
        "many_clinics": len(request.clinics) > 1,
    }
    return _page(request, "dashboard/messages.html", context, status=status, nav="messages")


@nurse_required
@require_POST
def message_read_view(request, message_id: int):
    """Mark a patient's message read (who and when, audited), then back to where the nurse was."""
    try:
        message = patient_message_read(message_id=message_id, nurse=request.user, channel=CHANNEL, request=request)
    except PatientMessage.DoesNotExist as exc:
        # Another clinic's message and a message that does not exist look the same.
        raise Http404("No such message.") from exc
    messages.success(request, _("Message marked read."))
    default = reverse("dashboard:patient", args=[message.patient_id]) + "#inbox" if message.patient_id else reverse("dashboard:messages")
    return redirect(_safe_next(request, default))


# -- exports --------------------------------------------------------------------------------------

EXPORT_IDENTIFIED_PERMISSION = "recovery.export_identified"


@nurse_required
@require_GET
def patient_export(request, patient_id: int):
    """The patient's record as CSV (daily records, alerts, messages, questionnaire scores), streamed and audited."""
    patient = _patient_or_404(request, patient_id)
    audit_record(
        actor=request.user, patient=patient, action=AuditEvent.Action.EXPORT, resource=AuditEvent.Resource.PATIENT_RECORD, detail="csv", channel=CHANNEL, request=request
    )
    header, rows = patient_record_export(patient=patient)
    return csv_response(filename=f"patient-{patient.pk}-record.csv", header=header, rows=rows)


@nurse_required
@require_GET
def cohort_export(request):
    """The cohort's daily records as CSV, one row per patient per day, filtered as the cohort view
    (clinic) and the worklist (procedure, status). Patients are named by their public id; names and
    phones only with `identified=1` and the permission recovery.export_identified."""
    form = CohortExportForm(request.GET, clinics=request.clinics)
    if not form.is_valid():
        errors = "; ".join(f"{field}: {' '.join(errs)}" for field, errs in form.errors.items())
        return HttpResponse(_("Bad export request: %(errors)s") % {"errors": errors}, status=400, content_type="text/plain; charset=utf-8")
    data = form.cleaned_data
    identified = data["identified"]
    if identified and not request.user.has_perm(EXPORT_IDENTIFIED_PERMISSION):
        return HttpResponse(
            _("Exporting names and phones needs the permission to export identified data: ask your clinic's administrator."),
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    clinic_ids = [data["clinic"]] if data.get("clinic") else [c.pk for c in request.clinics]
    patients = cohort_patients(user=request.user, clinic_ids=clinic_ids, procedure=data["procedure"], status=data["status"])
    audit_record(
        actor=request.user,
        patient=None,
        action=AuditEvent.Action.EXPORT,
        resource=AuditEvent.Resource.COHORT,
        detail=(
            f"csv of clinics {','.join(str(c) for c in clinic_ids)}; procedure={data['procedure'] or 'any'}; "
            f"status={data['status'] or 'any'}; identified={'yes' if identified else 'no'}"
        ),
        channel=CHANNEL,
        request=request,
    )
    return csv_response(
        filename="cohort-identified.csv" if identified else "cohort.csv",
        header=cohort_export_columns(identified=identified),
        rows=cohort_export_rows(patients=patients, identified=identified),
    )
