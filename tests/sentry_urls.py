"""A page that fails while handling an SMS, for the error-reporting test (tests/test_sentry.py)."""

import logging

from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as site_urlpatterns

logger = logging.getLogger("notifications.webhooks")


@csrf_exempt  # as Twilio's webhooks are (they are signed instead)
def failing_sms_view(request):
    body, sender = request.POST["Body"], request.POST["From"]
    logger.info("reply from %s: %s", sender, body)  # a breadcrumb with the number and the text
    logger.warning("could not read the reply of %s: %r", sender, body)  # an event of its own
    raise ValueError(f"could not read {body!r} from {sender}")


# The site's own addresses too: middleware reverses some of them (the sign-in forms' rate limit).
urlpatterns = [path("sms-fails/", failing_sms_view), *site_urlpatterns]
