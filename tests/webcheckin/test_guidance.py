"""What to expect, day by day: each protocol's guidance per stretch, in the patient's language, editable."""

import pytest
from django.contrib.auth import get_user_model

from webcheckin.guidance import guidance_for, stretch_for_day
from webcheckin.models import ProtocolGuidance

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "day, stretch",
    [(0, "days_0_2"), (2, "days_0_2"), (3, "first_week"), (7, "first_week"), (8, "weeks_2_6"), (42, "weeks_2_6"), (43, "beyond"), (90, "beyond")],
)
def test_a_day_falls_in_its_stretch(day, stretch):
    assert stretch_for_day(day) == stretch


def test_every_procedure_has_guidance_for_every_stretch_in_both_languages():
    rows = ProtocolGuidance.objects.values_list("protocol__procedure", "stretch", "text_en", "text_es")
    assert {(p, s) for p, s, _, _ in rows} == {
        (p, s) for p in ("mis_lumbar_fusion", "open_lumbar_fusion", "acdf", "posterior_cervical_fusion")
        for s in ("days_0_2", "first_week", "weeks_2_6", "beyond")
    }
    assert all(en and es and en != es for _, _, en, es in rows)


def test_guidance_follows_the_procedure_the_day_and_the_language(make_patient):
    lumbar = make_patient(procedure="mis_lumbar_fusion")
    neck = make_patient(procedure="acdf")
    assert "walk a few hours after surgery" in guidance_for(lumbar, 0, "en")
    assert "swallowing" in guidance_for(neck, 1, "en")
    assert "tragar" in guidance_for(neck, 1, "es")
    assert "three months" in guidance_for(lumbar, 60, "en")
    assert guidance_for(lumbar, 60, "fr") == guidance_for(lumbar, 60, "en")


def test_the_clinic_edits_guidance_in_the_admin_and_the_patient_reads_the_edit(client, make_patient):
    admin = get_user_model().objects.create_superuser("root.admin", password="a-long-admin-password-1")
    client.force_login(admin)
    row = ProtocolGuidance.objects.get(protocol__procedure="mis_lumbar_fusion", stretch="first_week")
    page = client.get(f"/admin/webcheckin/protocolguidance/{row.pk}/change/")
    assert page.status_code == 200
    saved = client.post(
        f"/admin/webcheckin/protocolguidance/{row.pk}/change/",
        {"protocol": row.protocol_id, "stretch": "first_week", "text_en": "Walk to the mailbox and back.", "text_es": "Camine hasta el buzón."},
    )
    assert saved.status_code == 302
    assert guidance_for(make_patient(), 5, "en") == "Walk to the mailbox and back."
