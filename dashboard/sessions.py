"""Two checks on every signed-in dashboard or admin session: the second factor it owes, and how long
it has been idle (shared ward computers are left signed in)."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils.translation import ngettext

from patients.two_factor import totp_device_confirmed

LAST_ACTIVITY = "dashboard_last_activity"
SECOND_FACTOR_OWED = "dashboard_second_factor_owed"
# The last activity is written at most once a minute (a session write is a database write), so a
# session ends between SESSION_IDLE_MINUTES - 1 and SESSION_IDLE_MINUTES after the last request.
ACTIVITY_WRITE_EVERY_SECONDS = 60
# Sent by the worklist's own periodic refresh, which is no sign that anyone is at the computer.
BACKGROUND_HEADER = "X-Background-Refresh"


@receiver(user_logged_in, dispatch_uid="dashboard.sessions.logged_in")
def _on_login(sender, request=None, user=None, **kwargs):
    session = getattr(request, "session", None)
    if session is None:
        return
    session[LAST_ACTIVITY] = time.time()
    session[SECOND_FACTOR_OWED] = totp_device_confirmed(user=user) is not None


def second_factor_owed(request) -> bool:
    """A signed-in session whose user must give a code (a device, or STAFF_2FA_REQUIRED) and has
    not given one in this session."""
    session = getattr(request, "session", None)
    if session is None or SESSION_KEY not in session:
        return False
    if not (settings.STAFF_2FA_REQUIRED or session.get(SECOND_FACTOR_OWED, False)):
        return False
    is_verified = getattr(request.user, "is_verified", None)
    return not (is_verified and is_verified())


class SecondFactorMiddleware:
    """Ends a session that owes its second factor (one opened before the device was set up or before
    STAFF_2FA_REQUIRED was turned on): the sign-in pages then ask for it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if second_factor_owed(request):
            logout(request)
        return self.get_response(request)


class IdleSessionMiddleware:
    """Ends a session after SESSION_IDLE_MINUTES without a request from its user, with a message on
    the sign-in page; records the last activity in the session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:
            now = time.time()
            last = session.get(LAST_ACTIVITY)
            minutes = settings.SESSION_IDLE_MINUTES
            if last is not None and now - last > minutes * 60:
                logout(request)
                messages.info(
                    request,
                    ngettext(
                        "You were signed out after %(minutes)d minute without activity. Sign in again to go on.",
                        "You were signed out after %(minutes)d minutes without activity. Sign in again to go on.",
                        minutes,
                    )
                    % {"minutes": minutes},
                )
            elif last is None or (now - last >= ACTIVITY_WRITE_EVERY_SECONDS and request.headers.get(BACKGROUND_HEADER) != "1"):
                session[LAST_ACTIVITY] = now
        return self.get_response(request)
