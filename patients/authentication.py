"""JWT authentication for the patients' calls: one query loads the user and the patient together."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings

from patients.models import Patient
from patients.permissions import ROLE_CLAIM, ROLE_PATIENT


class PatientJWTAuthentication(JWTAuthentication):
    """A patient's token loads the patient with its user (user.patient is then set, no second query).

    Any other token is authenticated as usual; IsPatient then refuses it, so a staff token gets a 403
    on a patient call.
    """

    def get_user(self, validated_token):
        if validated_token.get(ROLE_CLAIM) != ROLE_PATIENT:
            return super().get_user(validated_token)
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as exc:
            raise InvalidToken(_("Token contained no recognizable user identification")) from exc
        patient = Patient.objects.select_related("user", "clinic").filter(user_id=user_id).first()
        if patient is None or patient.user is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")
        user = patient.user
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        return user


class PatientJWTScheme(SimpleJWTScheme):
    """drf-spectacular: the patients' calls take the same bearer JWT as the others."""

    target_class = "patients.authentication.PatientJWTAuthentication"
