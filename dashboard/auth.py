"""Signing in to the dashboard and the admin: the password, then (when the account has one, or
STAFF_2FA_REQUIRED asks for one) the code of an authenticator app (TOTP), and setting that app up.

Between the two steps nobody is signed in: the session only remembers, for a few minutes, whose
password was right, so that no page or API call can be reached with the password alone.
"""

import time
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login

from dashboard.sessions import SECOND_FACTOR_OWED
from patients.two_factor import (
    CODE_MAX_LENGTH,
    totp_check,
    totp_device_confirm,
    totp_device_confirmed,
    totp_device_start,
    totp_secret,
)

PENDING = "dashboard_2fa_pending"
# How long the password step holds: past it, the password is asked again.
PENDING_SECONDS = 5 * 60
# Wrong codes accepted in one password step before the password is asked again.
PENDING_MAX_TRIES = 5


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from the authenticator app"),
        max_length=CODE_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def _next(request, default: str = "") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _with_next(url_name: str, next_url: str) -> str:
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _pending_user(request):
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS or pending["tries"] >= PENDING_MAX_TRIES:
        return None
    return get_user_model().objects.filter(pk=pending["user"], is_active=True).first()


def _sign_in(request, user, device):
    """Both factors given: the session is signed in and verified."""
    backend = request.session[PENDING]["backend"]
    auth_login(request, user, backend=backend)  # a new session key: nothing of the anonymous one is reused
    otp_login(request, device)
    request.session.pop(PENDING, None)


class LoginView(auth_views.LoginView):
    """The password step; the code step follows for an account that has (or must have) a second factor."""

    template_name = "dashboard/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        device = totp_device_confirmed(user=user)
        if device is None and not settings.STAFF_2FA_REQUIRED:
            return super().form_valid(form)
        self.request.session.cycle_key()
        self.request.session[PENDING] = {"user": user.pk, "backend": user.backend, "at": time.time(), "tries": 0}
        next_url = _next(self.request)
        return redirect(_with_next("dashboard:login-code" if device else "dashboard:two-factor-setup", next_url))


def _start_again(request):
    request.session.pop(PENDING, None)
    messages.info(request, _("Please sign in again."))
    return redirect(_with_next("dashboard:login", _next(request)))


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def login_code(request):
    """The second step: the code of the authenticator app."""
    if request.user.is_authenticated:
        return redirect(_next(request, reverse(settings.LOGIN_REDIRECT_URL)))
    user = _pending_user(request)
    if user is None:
        return _start_again(request)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        device = totp_check(user=user, code=form.cleaned_data["code"], request=request)
        if device is not None:
            _sign_in(request, user, device)
            return redirect(_next(request, reverse(settings.LOGIN_REDIRECT_URL)))
        request.session[PENDING] = {**request.session[PENDING], "tries": request.session[PENDING]["tries"] + 1}
        form.add_error("code", _("This code is not right. Codes change every 30 seconds: type the one the app shows now."))
    return render(request, "dashboard/login_code.html", {"form": form, "next": _next(request)})


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def two_factor_setup(request):
    """Set up an authenticator app: during sign-in when STAFF_2FA_REQUIRED asks for one, or later by
    choice from the dashboard. The page shows the secret (as text, as an otpauth:// address and as a
    QR code) and takes the app's first code to confirm it."""
    signed_in = request.user.is_authenticated
    user = request.user if signed_in else _pending_user(request)
    if user is None:
        return _start_again(request)
    if totp_device_confirmed(user=user) is not None:
        if not signed_in:
            return redirect(_with_next("dashboard:login-code", _next(request)))
        return render(request, "dashboard/two_factor_setup.html", {"already_on": True})
    device = totp_device_start(user=user)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        if totp_device_confirm(device=device, code=form.cleaned_data["code"]):
            if signed_in:
                otp_login(request, device)
                request.session[SECOND_FACTOR_OWED] = True
            else:
                _sign_in(request, user, device)
            messages.success(request, _("Two-factor sign-in is on: from now on, sign in with your password and a code from the app."))
            return redirect(_next(request, reverse(settings.LOGIN_REDIRECT_URL)))
        form.add_error("code", _("This code is not right. Check that the app shows the account just added, and type its current code."))
    context = {
        "form": form,
        "next": _next(request),
        "secret": totp_secret(device),
        "otpauth_uri": device.config_url,
        "qr_svg": _qr_svg(device.config_url),
        "during_sign_in": not signed_in,
    }
    return render(request, "dashboard/two_factor_setup.html", context)


def _qr_svg(text: str) -> str:
    """The QR code as inline SVG markup (a path with presentation attributes only: no script, no style)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")


class AdminLoginView(LoginView):
    """The dashboard's sign-in form at the admin's address; after both steps, back to the admin."""

    def get_redirect_url(self):
        return super().get_redirect_url() or reverse("admin:index")


def admin_login(request, extra_context=None):
    """The admin's sign-in is the dashboard's, with its second step; a signed-in user without the
    admin's permission goes to the dashboard rather than round in circles."""
    from django.contrib import admin

    if request.user.is_authenticated:
        if admin.site.has_permission(request):
            return redirect(_next(request, reverse("admin:index")))
        messages.error(request, _("Your account cannot use the administration site."))
        return redirect(settings.LOGIN_REDIRECT_URL)
    return AdminLoginView.as_view()(request)
