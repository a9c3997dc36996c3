"""JWT pairs that carry the caller's role, so a patient token never reaches a staff call and back."""

from rest_framework_simplejwt.tokens import RefreshToken

from patients.permissions import ROLE_CLAIM, ROLE_PATIENT, ROLE_STAFF


def _pair(user, role: str) -> dict:
    refresh = RefreshToken.for_user(user)
    refresh[ROLE_CLAIM] = role
    # The access token is derived from the refresh token and inherits its claims.
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def tokens_for_staff(user) -> dict:
    return _pair(user, ROLE_STAFF)


def tokens_for_patient(user) -> dict:
    return _pair(user, ROLE_PATIENT)
