"""The patient's web check-in pages, opened from the link in an SMS: the day's check-in, "my recovery",
and a new link by SMS. No login: the link's token is the credential (webcheckin.links), so each view
finds the link first, answers in the patient's language (a caregiver's own link: the caregiver's), and
audits what it showed or stored."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from caregivers.selectors import patient_caregivers
from dashboard.charts import milestone_timeline, pain_chart, walking_chart
from patients.audit import AuditSource, audit_record
from patients.languages import in_language
from patients.models import AuditEvent
from patients.network import client_ip
from recovery.protocols import protocol_plan
from recovery.selectors.progress import patient_progress
from recovery.services.milestone_questions import milestone_question_answer, milestone_questions_pending
from recovery.texts import not_monitored_notice, procedure_label
from webcheckin.forms import WebCheckinForm
from webcheckin.guidance import guidance_for
from webcheckin.links import checkin_link_find, link_state
from webcheckin.services import checkin_link_resend, link_guessing_blocked, link_miss_count, web_checkin_submit
from webcheckin.texts import page_texts

CHANNEL = "web"
# Problems shown on a link's page, and their status codes.
_PROBLEM_STATUS = {"unknown": 404, "expired": 410, "used": 410, "too_many": 429}


def _ip(request) -> str | None:
    return client_ip(request)


def _respond(request, template: str, context: dict, *, status: int = 200):
    # In the patient's language, not the browser's: form errors and labels included.
    with in_language(context["lang"]):
        response = render(request, template, context, status=status)
    # The URL is a credential: never cached, never sent on to another site (same-origin keeps the
    # CSRF check of a form post working), never indexed.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _language(link) -> str:
    return link.caregiver.language if link.caregiver_id is not None else link.patient.language


def _audit(request, link, action: str, resource: str, detail: str) -> None:
    patient = link.patient if link is not None else None
    actor = patient.user if patient is not None else None
    if link is not None and link.caregiver_id is not None:
        detail = f"{detail} (caregiver {link.caregiver_id}'s link)"
    audit_record(actor=actor, patient=patient, action=action, resource=resource, detail=detail, channel=CHANNEL, request=request)


def _context(link, **extra) -> dict:
    patient = link.patient
    language = _language(link)
    clinic = patient.clinic
    return {
        "lang": language,
        "t": page_texts(language),
        "clinic": clinic,
        "not_watched": not_monitored_notice(language),
        "token": extra.pop("token"),
        "link": link,
        **extra,
    }


def _find(request, token: str, now):
    """The link, or the response to give instead (blocked guessing, or a token we never issued)."""
    if link_guessing_blocked(ip=_ip(request), now=now):
        return None, _problem_page(request, None, "too_many", token="")
    link = checkin_link_find(token)
    if link is None:
        link_miss_count(ip=_ip(request), now=now)
        _audit(request, None, AuditEvent.Action.VIEW, AuditEvent.Resource.CHECKIN_LINK, "a check-in link that matches none")
        return None, _problem_page(request, None, "unknown", token="")
    return link, None


def _problem_page(request, link, problem: str, *, token: str, outcome: str = ""):
    if link is None:
        # Nobody known: say it in every language, and offer nothing that could reveal a patient.
        codes = [code for code, _ in settings.LANGUAGES]
        context = {"lang": settings.LANGUAGE_CODE, "both": [{**page_texts(code), "lang": code} for code in codes], "problem": problem,
                   "link": None, "not_watched_both": [(code, not_monitored_notice(code)) for code in codes]}
    else:
        context = _context(link, token=token, problem=problem, outcome=outcome)
    return _respond(request, "webcheckin/problem.html", context, status=_PROBLEM_STATUS.get(problem, 200))


def _form_page(request, link, form, *, token: str, status: int = 200):
    return _respond(request, "webcheckin/checkin.html", _context(link, token=token, form=form, **_day_words(link)), status=status)


def _day_words(link) -> dict:
    patient = link.patient
    words = page_texts(_language(link))
    today = patient.local_today()
    day = words["today"] if link.date >= today else words["yesterday"] if (today - link.date).days == 1 else link.date.isoformat()
    return {"day_word": day, "recovery_day": (link.date - patient.surgery_date).days, "patient_name": patient.first_name}


def _milestone_codes(link, *, reached_too: bool) -> list[str]:
    """The protocol's milestones not reached yet, which the form asks about. A sent form may also name
    reached ones: a second tap of the same form comes after its first reached them."""
    progress = patient_progress(patient=link.patient, as_of=max(link.date, link.patient.surgery_date))
    return [m["code"] for m in progress["milestones"] if reached_too or m["state"] != "reached"]


@never_cache
@require_http_methods(["GET", "POST"])
def checkin(request, token: str):
    now = timezone.now()
    link, problem = _find(request, token, now)
    if problem is not None:
        return problem
    patient = link.patient
    state = link_state(link, now=now)
    posted_client_id = request.POST.get("client_id") if request.method == "POST" else None
    replay = state == "used" and posted_client_id and str(link.used_client_id) == posted_client_id
    if state != "open" and not replay:
        _audit(request, link, AuditEvent.Action.VIEW, AuditEvent.Resource.CHECKIN_LINK, f"{state} check-in link for {link.date.isoformat()}")
        return _problem_page(request, link, state, token=token)
    if link.date > patient.local_today(now):
        _audit(request, link, AuditEvent.Action.VIEW, AuditEvent.Resource.CHECKIN_LINK, "check-in link before the surgery date")
        return _problem_page(request, link, "not_yet", token=token)

    codes = _milestone_codes(link, reached_too=request.method == "POST")
    language = _language(link)
    # A caregiver's own link answers as that caregiver: the page asks nobody who is answering.
    caregivers = list(patient_caregivers(patient_id=patient.pk)) if link.caregiver_id is None else []
    questions = milestone_questions_pending(patient=patient)
    if request.method == "GET":
        _audit(request, link, AuditEvent.Action.VIEW, AuditEvent.Resource.CHECKIN_PAGE, f"web check-in form for {link.date.isoformat()}")
        form = WebCheckinForm(initial={"client_id": uuid.uuid4()}, language=language, milestone_codes=codes, caregivers=caregivers,
                              questions=questions)
        return _form_page(request, link, form, token=token)

    form = WebCheckinForm(request.POST, language=language, milestone_codes=codes, caregivers=caregivers, questions=questions)
    if not form.is_valid():
        _audit(request, link, AuditEvent.Action.VIEW, AuditEvent.Resource.CHECKIN_PAGE, "web check-in form sent back with errors")
        return _form_page(request, link, form, token=token, status=400)
    try:
        outcome = web_checkin_submit(
            link=link, client_id=form.cleaned_data["client_id"], fields=form.checkin_fields(), now=now,
            audit=AuditSource.of(patient.user, channel=CHANNEL, request=request), caregiver=link.caregiver or form.caregiver(),
        )
    except ValidationError as exc:
        form.add_error(None, " ".join(msg for msgs in exc.message_dict.values() for msg in msgs))
        return _form_page(request, link, form, token=token, status=400)
    if outcome is None:
        _audit(request, link, AuditEvent.Action.VIEW, AuditEvent.Resource.CHECKIN_LINK, "check-in link used meanwhile")
        return _problem_page(request, link, "used", token=token)
    for question, reached in form.question_answers():
        question.patient = patient
        milestone_question_answer(question=question, reached=reached, channel=CHANNEL, now=now,
                                  audit=AuditSource.of(patient.user, channel=CHANNEL, request=request))
    body = outcome.body
    context = _context(
        link, token=token, advice=body.get("advice"), record=body,
        guidance=guidance_for(patient, body["recovery_day"], language),
    )
    return _respond(request, "webcheckin/done.html", context, status=outcome.http_status)


@never_cache
@require_http_methods(["GET"])
def my_recovery(request, token: str):
    now = timezone.now()
    link, problem = _find(request, token, now)
    if problem is not None:
        return problem
    if link_state(link, now=now) == "expired":
        _audit(request, link, AuditEvent.Action.VIEW, AuditEvent.Resource.CHECKIN_LINK, "expired link, my recovery")
        return _problem_page(request, link, "expired", token=token)
    patient = link.patient
    language = _language(link)
    plan = protocol_plan(patient.procedure)
    progress = patient_progress(patient=patient, plan=plan, language=language)
    today_day = progress["recovery_day"]
    days = progress["days"]
    _audit(request, link, AuditEvent.Action.VIEW, AuditEvent.Resource.PROGRESS, "my recovery: pain, walking and milestones")
    # The charts' words in the patient's language, as the rest of the page.
    with in_language(language):
        charts = {
            "pain_chart": pain_chart(days=days, plan=plan, today_day=today_day),
            "walking_chart": walking_chart(days=days, plan=plan, today_day=today_day),
            "milestone_chart": milestone_timeline(milestones=progress["milestones"], today_day=today_day, program_days=progress["program_days"]),
        }
    context = _context(
        link,
        token=token,
        progress=progress,
        procedure=procedure_label(patient.procedure, language),
        logged=[d for d in reversed(days) if d["logged"]],
        ahead=[m for m in progress["milestones"] if m["state"] != "reached"],
        **charts,
    )
    return _respond(request, "webcheckin/recovery.html", context)


@never_cache
@require_POST
def new_link(request, token: str):
    now = timezone.now()
    link, problem = _find(request, token, now)
    if problem is not None:
        return problem
    outcome = checkin_link_resend(link=link, now=now)
    _audit(request, link, AuditEvent.Action.CREATE, AuditEvent.Resource.CHECKIN_LINK, f"new check-in link asked for: {outcome}")
    return _problem_page(request, link, link_state(link, now=now), token=token, outcome=outcome)
