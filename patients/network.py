"""Who is calling: the client's address and the username of a sign-in, read one way everywhere.

The address follows the REST framework's rule (`NUM_PROXIES`), so the throttles, django-axes'
lockout and the audit trail agree. With NUM_PROXIES=0, the default, X-Forwarded-For is ignored and
REMOTE_ADDR is the client: anyone may send the header, so it counts only where a proxy we run sets it.
With NUM_PROXIES=n, the n-th address from the right of X-Forwarded-For is taken (the one our nearest
proxy appended). An entry that is not an IP address falls back to REMOTE_ADDR.
"""

import ipaddress

from django.conf import settings

# django-axes keeps the username in a 255-character column; Django's own usernames have at most 150.
USERNAME_MAX_LENGTH = 150


def _ip(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address as the throttles see it (see the module's docstring)."""
    if request is None:
        return None
    meta = request.META
    remote = _ip(meta.get("REMOTE_ADDR"))
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    if proxies and forwarded:
        addresses = [part.strip() for part in forwarded.split(",")]
        return _ip(addresses[-min(proxies, len(addresses))]) or remote
    return remote


def login_username(request, credentials: dict | None = None) -> str:
    """The username a sign-in gave, for django-axes: at most USERNAME_MAX_LENGTH characters (a longer
    one matches no account anyway), so that it fits axes' column."""
    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    if credentials:
        username = credentials.get(field)
    else:
        data = getattr(request, "data", None) or request.POST
        username = data.get(field)
    if not isinstance(username, str):
        return ""
    # A lone surrogate cannot be stored in PostgreSQL: keep what can.
    return username[:USERNAME_MAX_LENGTH].encode("utf-8", "replace").decode("utf-8")
