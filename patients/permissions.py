"""Who may call what: staff tokens reach only staff calls, patient tokens only patient calls."""

from rest_framework.permissions import BasePermission

from patients.selectors import is_staff_member

ROLE_CLAIM = "role"
ROLE_STAFF = "staff"
ROLE_PATIENT = "patient"


def _token_role(request) -> str | None:
    token = getattr(request, "auth", None)
    if token is None or not hasattr(token, "get"):
        return None
    return token.get(ROLE_CLAIM)


class IsStaff(BasePermission):
    """A nurse: a user with a clinic membership, through a staff token or a dashboard session."""

    message = "This call is for clinic staff."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not getattr(user, "is_authenticated", False):
            return False
        role = _token_role(request)
        if role is not None and role != ROLE_STAFF:
            return False
        cached = getattr(request, "_is_staff_member", None)
        if cached is None:
            cached = request._is_staff_member = is_staff_member(user=user)
        return cached


class IsPatient(BasePermission):
    """A patient, through the token that enrollment gave."""

    message = "This call is for patients."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not getattr(user, "is_authenticated", False):
            return False
        if _token_role(request) != ROLE_PATIENT:
            return False
        return hasattr(user, "patient") and user.patient is not None
