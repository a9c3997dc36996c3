"""The admin is for superusers only, and its audit trail cannot be edited there."""

import pytest
from django.contrib.auth import get_user_model

from patients.models import AuditEvent


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root.admin", password="a-long-admin-password-1")


def test_a_nurse_with_staff_status_cannot_use_the_admin(client, nurse_a):
    nurse_a.is_staff = True
    nurse_a.save()
    client.force_login(nurse_a)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_superuser_reads_the_audit_trail_but_cannot_change_it(client, superuser, patient_a, nurse_a):
    event = AuditEvent.objects.create(actor=nurse_a, actor_label="nurse.a", patient=patient_a, action="view", resource="patient")
    client.force_login(superuser)
    listing = client.get("/admin/patients/auditevent/?action__exact=view")
    assert listing.status_code == 200
    assert b"nurse.a" in listing.content
    change = client.post(f"/admin/patients/auditevent/{event.pk}/change/", {"action": "delete"})
    assert change.status_code == 403 or AuditEvent.objects.get(pk=event.pk).action == "view"
    assert client.post(f"/admin/patients/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_protocols_are_editable_by_a_superuser_in_the_admin(client, superuser):
    client.force_login(superuser)
    response = client.get("/admin/recovery/recoveryprotocol/")
    assert response.status_code == 200
    assert b"Minimally invasive lumbar fusion" in response.content


def test_a_protocol_cannot_be_deleted_so_no_patient_is_left_without_one(client, superuser, patient_a):
    from recovery.models import RecoveryProtocol

    protocol = RecoveryProtocol.objects.get(procedure=patient_a.procedure)
    client.force_login(superuser)
    assert client.post(f"/admin/recovery/recoveryprotocol/{protocol.pk}/delete/", {"post": "yes"}).status_code == 403
    assert RecoveryProtocol.objects.filter(pk=protocol.pk).exists()
    change_page = client.get(f"/admin/recovery/recoveryprotocol/{protocol.pk}/change/")
    assert change_page.status_code == 200
    assert b"/delete/" not in change_page.content
