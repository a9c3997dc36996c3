"""The web check-in page asks the milestone question waiting, and its yes or no is the answer."""

import re

import pytest
from django.test import Client

from patients.models import AuditEvent
from recovery.models import DailyRecord, MilestoneQuestion

pytestmark = pytest.mark.django_db


def _open(browser, path):
    html = browser.get(path).content.decode()
    return html, {
        "csrfmiddlewaretoken": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1),
        "client_id": re.search(r'name="client_id" value="([^"]+)"', html).group(1),
    }


def test_the_page_asks_the_question_and_a_yes_reaches_the_milestone(patient_a, link_for):
    question = MilestoneQuestion.objects.create(patient=patient_a, milestone="normal_diet", asked_on=patient_a.local_today())
    browser = Client(enforce_csrf_checks=True)
    path = link_for(patient_a)
    html, fields = _open(browser, path)
    assert "<legend>Have you been able to eat normally?</legend>" in html
    # A yes alone is enough to send the page: it is the milestone reached.
    done = browser.post(path, {**fields, f"question_{question.pk}": "yes"})
    assert done.status_code in (200, 201)
    question.refresh_from_db()
    assert (question.state, question.channel) == ("yes", "web")
    assert "normal_diet" in DailyRecord.objects.get(patient=patient_a, date=patient_a.local_today()).milestones
    assert AuditEvent.objects.filter(patient=patient_a, resource="milestone_question", channel="web").exists()


def test_a_no_comes_with_the_rest_of_the_checkin(patient_a, link_for):
    question = MilestoneQuestion.objects.create(patient=patient_a, milestone="normal_diet", asked_on=patient_a.local_today())
    browser = Client(enforce_csrf_checks=True)
    path = link_for(patient_a)
    _, fields = _open(browser, path)
    alone = browser.post(path, {**fields, f"question_{question.pk}": "no"})
    assert alone.status_code == 400
    assert MilestoneQuestion.objects.get(pk=question.pk).state == "asked"
    done = browser.post(path, {**fields, f"question_{question.pk}": "no", "pain": "3"})
    assert done.status_code in (200, 201)
    assert MilestoneQuestion.objects.get(pk=question.pk).state == "no"
