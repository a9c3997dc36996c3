"""JWT authentication for the patients' calls: one query loads the user and the patient together."""

import functools

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings

from patients.models import Patient
from patients.permissions import ROLE_CLAIM, ROLE_PATIENT


@functools.cache
def _patient_with_user_sql() -> tuple[str, list[str], list[str]]:
    User = get_user_model()
    patient_fields = [f.attname for f in Patient._meta.concrete_fields]
    user_fields = [f.attname for f in User._meta.concrete_fields]
    quote = connection.ops.quote_name
    columns = [f"p.{quote(Patient._meta.get_field(n).column)}" for n in patient_fields]
    columns += [f"u.{quote(User._meta.get_field(n).column)}" for n in user_fields]
    # Only names from the models' own metadata, quoted, go into the text; the user id is a parameter.
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(Patient._meta.db_table)} p "  # noqa: S608
        f"JOIN {quote(User._meta.db_table)} u ON u.{quote(User._meta.pk.column)} = p.{quote('user_id')} "
        f"WHERE p.{quote('user_id')} = %s"
    )
    return sql, patient_fields, user_fields


def patient_with_user(*, user_id) -> Patient | None:
    """The patient whose login is `user_id`, with the user attached both ways, in one query.

    Every patient call starts here, so the query is written once and its rows are turned into model
    instances with Model.from_db, sparing the ORM's query compilation on each request.
    """
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    sql, patient_fields, user_fields = _patient_with_user_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    User = get_user_model()
    patient = Patient.from_db(connection.alias, patient_fields, row[: len(patient_fields)])
    user = User.from_db(connection.alias, user_fields, row[len(patient_fields):])
    user.patient = patient  # sets patient.user too: no query either way
    return patient


class PatientJWTAuthentication(JWTAuthentication):
    """A patient's token loads the patient with its user in one query (user.patient is set).

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
        patient = patient_with_user(user_id=user_id)
        if patient is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")
        user = patient.user
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        return user


class PatientJWTScheme(SimpleJWTScheme):
    """drf-spectacular: the patients' calls take the same bearer JWT as the others."""

    target_class = "patients.authentication.PatientJWTAuthentication"


class PatientJWTAuthenticationScheme(OpenApiAuthenticationExtension):
    """The patients' calls take the same bearer token as every call; named apart for the schema."""

    target_class = PatientJWTAuthentication
    name = "patientJwtAuth"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
