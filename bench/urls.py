"""The service's URLs plus a bare Django view that inserts the same row as a check-in, to compare with.

Served only by the benchmark's gunicorn (bench.settings); never part of the production URL conf.
"""

import json
import uuid

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as service_urlpatterns
from recovery.models import CheckinSubmission


@csrf_exempt
def bare_checkin(request):
    """No token, no validation, no merge: parse the JSON and insert the raw submission row."""
    body = json.loads(request.body)
    submission = CheckinSubmission.objects.create(
        client_id=uuid.UUID(body["client_id"]),
        patient_id=body["patient_id"],
        date=body["date"],
        channel="app",
        payload=body,
    )
    return JsonResponse({"id": submission.pk}, status=201)


urlpatterns = [path("bench/bare-checkin/", bare_checkin), *service_urlpatterns]
