"""Two-factor sign-in for staff (TOTP, django-otp): who owes a code, checking one, setting one up.

A nurse or admin with a confirmed TOTP device gives a code from the authenticator app after the
password, on the dashboard, the admin and the staff token endpoint. With STAFF_2FA_REQUIRED, one
with no device must set one up before signing in.
"""

import base64

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "Authenticator app"
CODE_MAX_LENGTH = 12


def totp_device_confirmed(*, user) -> TOTPDevice | None:
    if user is None or not user.pk:
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def second_factor_required(*, user) -> bool:
    """A code is owed when the user has a device, or when every staff sign-in needs one."""
    return settings.STAFF_2FA_REQUIRED or totp_device_confirmed(user=user) is not None


def _normalised(code: str) -> str:
    return "".join((code or "").split())[:CODE_MAX_LENGTH]


def totp_check(*, user, code: str, request=None) -> TOTPDevice | None:
    """The user's confirmed device when `code` is its current code; None otherwise. A wrong code
    counts as a failed sign-in (django-axes locks the username out after repeated failures), and the
    device itself makes each further try wait twice as long as the last (django-otp's throttle)."""
    device = totp_device_confirmed(user=user)
    if device is None:
        return None
    if device.verify_token(_normalised(code)):
        return device
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
    return None


@transaction.atomic
def totp_device_start(*, user) -> TOTPDevice:
    """The user's device being set up (unconfirmed): the same one until it is confirmed, so that a
    page reload shows the same secret."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def totp_device_confirm(*, device: TOTPDevice, code: str) -> bool:
    """Confirm a device with its first code; other unconfirmed ones of the user are removed."""
    if device.confirmed or not device.verify_token(_normalised(code)):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user_id=device.user_id, confirmed=False).delete()
    return True


def totp_secret(device: TOTPDevice) -> str:
    """The secret as the authenticator apps take it when typed: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
