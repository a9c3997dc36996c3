"""A nurse's first sign-in where two-factor sign-in is required, in a real Chromium: the password,
the set-up page (QR code and key), the app's first code, the worklist; then the next sign-in asks
for the code. A screenshot of the set-up page goes to tests/artifacts/."""

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.dashboard.test_browser import ARTIFACTS, PASSWORD, browser, page  # noqa: F401 - the fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _code(device: TOTPDevice, offset_steps: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset_steps * device.step
    return f"{totp.token():06d}"


def test_a_nurse_sets_up_the_authenticator_at_the_first_sign_in_and_gives_a_code_at_the_next(page, live_server, nurse_a, settings):  # noqa: F811
    settings.STAFF_2FA_REQUIRED = True
    base = live_server.url

    page.goto(f"{base}/")
    page.get_by_label("Username").fill("nurse.a")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/account/two-factor/**")
    assert page.locator("figure.qr svg").is_visible()
    key = page.locator("code.totp-secret").inner_text()
    page.screenshot(path=str(ARTIFACTS / "two-factor-setup.png"), full_page=True)
    device = TOTPDevice.objects.get(user=nurse_a)
    assert key.replace(" ", "") in device.config_url

    page.get_by_label("Code from the authenticator app").fill(_code(device))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    page.wait_for_url(f"{base}/")
    assert page.get_by_text("Two-factor sign-in is on").is_visible()

    page.get_by_role("button", name="Log out").click()
    page.get_by_label("Username").fill("nurse.a")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/login/code/**")
    device.refresh_from_db()
    # The code of the next 30-second step: the one just used cannot be used twice.
    page.get_by_label("Code from the authenticator app").fill(_code(device, offset_steps=1))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")
    assert page.get_by_role("button", name="Log out").is_visible()
