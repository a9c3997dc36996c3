"""The patient's questionnaire page, opened from the link in the offer SMS: one question a screen, the
progress shown, each answer kept as it is given (resumable with the same link), in the patient's
language, with no script. The link's token is the credential (outcomes.links); every view is audited."""

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from outcomes.definition import Item, items_of
from outcomes.links import questionnaire_link_find, questionnaire_link_state
from outcomes.models import QuestionnaireResponse
from outcomes.services import ResponseClosed, ResponseIncomplete, questionnaire_response_save
from outcomes.texts import page_texts, time_point_label
from patients.audit import AuditSource, audit_record
from patients.models import AuditEvent
from patients.network import client_ip
from recovery.texts import not_monitored_notice
from webcheckin.services import link_guessing_blocked, link_miss_count

CHANNEL = "web"
_STATUS = {"unknown": 404, "expired": 410, "used": 410, "too_many": 429}


def _respond(request, template: str, context: dict, *, status: int = 200):
    response = render(request, template, context, status=status)
    # The URL is a credential, as the check-in's: never sent to another site, never indexed.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _audit(request, link, action: str, resource: str, detail: str) -> None:
    patient = link.patient if link is not None else None
    audit_record(actor=patient.user if patient else None, patient=patient, action=action, resource=resource, detail=detail, channel=CHANNEL, request=request)


def _problem(request, link, problem: str):
    if link is None:
        context = {"lang": "en", "both": [page_texts("en"), page_texts("es")], "problem": problem, "t": page_texts("en"),
                   "not_watched_both": [(code, not_monitored_notice(code)) for code in ("en", "es")]}
    else:
        language = link.patient.language
        context = {"lang": language, "t": page_texts(language), "problem": problem, "clinic": link.patient.clinic,
                   "not_watched": not_monitored_notice(language)}
    return _respond(request, "outcomes/problem.html", context, status=_STATUS.get(problem, 200))


def _words(instrument, language: str, item: Item) -> tuple[str, list[tuple[str, str]]]:
    """The item's text and its options (code, text) in the language, English where none is loaded."""
    words = (instrument.translations.get(language) or {}).get("items", {}).get(item.link_id)
    if not words:
        return item.text, [(o.code, o.display) for o in item.options]
    return words["text"], [(o.code, words["options"].get(o.code, o.display)) for o in item.options]


def _read_answer(item: Item, raw: str | None):
    """The posted answer as stored (an option's code, or an int), or None when there is none or it is not one."""
    if raw is None or raw == "":
        return None
    if item.type == "choice":
        return raw if raw in {o.code for o in item.options} else None
    raw = raw.strip()
    if not raw.lstrip("-").isdigit() or len(raw) > 6:
        return None
    value = int(raw)
    return value if item.min_value <= value <= item.max_value else None


@never_cache
@require_http_methods(["GET", "POST"])
def questionnaire(request, token: str):
    now = timezone.now()
    ip = client_ip(request)
    if link_guessing_blocked(ip=ip, now=now):
        return _problem(request, None, "too_many")
    link = questionnaire_link_find(token)
    if link is None:
        link_miss_count(ip=ip, now=now)
        _audit(request, None, AuditEvent.Action.VIEW, AuditEvent.Resource.QUESTIONNAIRE_LINK, "a questionnaire link that matches none")
        return _problem(request, None, "unknown")
    state = questionnaire_link_state(link, now=now)
    if state != "open":
        _audit(request, link, AuditEvent.Action.VIEW, AuditEvent.Resource.QUESTIONNAIRE_LINK, f"{state} questionnaire link")
        return _problem(request, link, state)

    patient, tp = link.patient, link.time_point
    instrument = tp.instrument
    language = patient.language
    t = page_texts(language)
    items = items_of(instrument.questionnaire)
    response = QuestionnaireResponse.objects.filter(patient=patient, time_point=tp).first()
    answers = dict(response.answers) if response is not None else {}
    error = ""

    if request.method == "POST":
        index = _index(request.POST.get("index"), items, answers)
        item = items[index]
        skip = request.POST.get("action") == "skip" and not item.required
        value = _read_answer(item, request.POST.get("answer"))
        if value is None and not skip:
            error = t["choose"] if item.type == "choice" else t["number"].format(low=item.min_value, high=item.max_value)
        else:
            given = {} if skip else {item.link_id: value}
            last = index == len(items) - 1
            source = AuditSource.of(patient.user, channel=CHANNEL, request=request)
            try:
                try:
                    outcome = questionnaire_response_save(
                        patient=patient, instrument=instrument, time_point=tp, answers=given, finish=last, channel="web", source=source, now=now
                    )
                except ResponseIncomplete as exc:
                    # A required question left behind (skipped by editing the address): keep this
                    # answer, and go back to the first one missing.
                    questionnaire_response_save(
                        patient=patient, instrument=instrument, time_point=tp, answers=given, finish=False, channel="web", source=source, now=now
                    )
                    first = next(n for n, i in enumerate(items) if i.link_id in exc.missing)
                    return HttpResponseRedirect(f"{reverse('outcomes:questionnaire', args=[token])}?q={first + 1}")
            except ResponseClosed:
                return _problem(request, link, "used")
            if last:
                context = {"lang": language, "t": t, "clinic": patient.clinic, "not_watched": not_monitored_notice(language),
                           "title": _title(instrument, language), "score": _n(outcome.response.score)}
                return _respond(request, "outcomes/done.html", context)
            return HttpResponseRedirect(f"{reverse('outcomes:questionnaire', args=[token])}?q={index + 2}")
    else:
        index = _index(request.GET.get("q"), items, answers, one_based=True)
        item = items[index]
        _audit(request, link, AuditEvent.Action.VIEW, AuditEvent.Resource.QUESTIONNAIRE_PAGE, f"{instrument.code} {tp.code} question {index + 1} of {len(items)}")

    text, options = _words(instrument, language, item)
    label = time_point_label(tp.label, language)
    context = {
        "lang": language,
        "t": t,
        "clinic": patient.clinic,
        "not_watched": not_monitored_notice(language),
        "token": token,
        "title": _title(instrument, language),
        "intro": t["intro_baseline"] if tp.baseline else t["intro"].format(label=label),
        "index": index,
        "number": index + 1,
        "total": len(items),
        "percent": round(100 * index / len(items)),
        "item": item,
        "text": text,
        "options": options,
        "current": answers.get(item.link_id),
        "last": index == len(items) - 1,
        "error": error,
    }
    return _respond(request, "outcomes/question.html", context, status=400 if error else 200)


def _n(value) -> str | None:
    """A score as the patient reads it: 30, 33.33 (no trailing zeros)."""
    return None if value is None else f"{value.normalize():f}"


def _title(instrument, language: str) -> str:
    return (instrument.translations.get(language) or {}).get("title") or instrument.title


def _index(raw, items, answers, *, one_based: bool = False) -> int:
    """The screen asked for (a number in range), or the first unanswered question (the last when all are)."""
    if raw is not None and str(raw).isdigit():
        n = int(raw) - (1 if one_based else 0)
        if 0 <= n < len(items):
            return n
    return next((n for n, i in enumerate(items) if i.link_id not in answers), len(items) - 1)
