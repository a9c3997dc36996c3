"""Sign-in for the API: staff tokens (username and password), patient tokens (a one-time enrollment
code), token refresh and logout. Staff tokens carry role=staff and patient tokens role=patient, so each
reaches only its own calls (patients.permissions).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import update_last_login
from django.db import transaction
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenObtainSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from api.fields import ClockTimeField
from api.openapi import error_responses
from api.throttling import ScopedWindowRateThrottle
from patients.audit import AuditSource
from patients.choices import Language
from patients.models import Patient
from patients.permissions import ROLE_CLAIM, ROLE_PATIENT, ROLE_STAFF
from patients.selectors import is_staff_member
from patients.services import EnrollmentRefused, patient_enroll
from patients.tokens import tokens_for_patient, tokens_for_staff
from patients.two_factor import CODE_MAX_LENGTH, totp_check, totp_device_confirmed

AUTH_TAG = "auth"
LANGUAGE_CODES = [lang.value for lang in Language]
BAD_CREDENTIALS = "No active staff account found with the given credentials."
ENROLLMENT_REFUSED = (
    "This enrollment code is not valid: it is wrong, already used or expired. Ask your clinic for a new code."
)


# --- serializers -------------------------------------------------------------------------------


class SecondFactorRefused(exceptions.AuthenticationFailed):
    """The password was right, but the code from the authenticator app is missing or wrong."""


class StaffTokenRequestSerializer(TokenObtainSerializer):
    """Username and password of a nurse (a user with a clinic membership), and the code of the
    nurse's authenticator app when two-factor sign-in is set up for the account."""

    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=CODE_MAX_LENGTH,
        write_only=True,
        help_text="The 6-digit code of the authenticator app, for an account with two-factor sign-in; leave it out otherwise.",
    )

    def validate(self, attrs):
        super().validate(attrs)  # authenticate() through django-axes: 401 on bad credentials
        if not is_staff_member(user=self.user):
            # Same answer as a wrong password: do not tell which accounts exist.
            raise exceptions.AuthenticationFailed(BAD_CREDENTIALS, "no_active_account")
        self._check_second_factor(attrs.get("otp", ""))
        update_last_login(None, self.user)
        return tokens_for_staff(self.user)

    def _check_second_factor(self, code: str) -> None:
        if totp_device_confirmed(user=self.user) is None:
            if settings.STAFF_2FA_REQUIRED:
                raise SecondFactorRefused("Two-factor sign-in is required: set it up on the dashboard first.", "otp_setup_required")
            return
        if not code:
            raise SecondFactorRefused("This account signs in with a code from its authenticator app: send it as otp.", "otp_required")
        if totp_check(user=self.user, code=code, request=self.context.get("request")) is None:
            raise SecondFactorRefused("The code from the authenticator app is not right.", "otp_invalid")


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="Short-lived access token: send it as `Authorization: Bearer <access>`.")
    refresh = serializers.CharField(help_text="Refresh token: exchange it at auth/token/refresh/ (single use).")


class RefreshRequestSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class RefreshResponseSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField(help_text="The next refresh token: the one sent is now revoked.")


class EnrollRequestSerializer(serializers.Serializer):
    enrollment_code = serializers.CharField(
        max_length=64,
        help_text="The code the clinic gave, e.g. `7KQ4M-2XH9P`; case, spaces and dashes do not matter.",
    )


class ClinicBriefSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField(help_text="The clinic's phone number (E.164), or empty.")


class PatientProfileSerializer(serializers.Serializer):
    """The patient's own profile, as the patient sees it."""

    id = serializers.UUIDField(source="public_id")
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    phone = serializers.CharField()
    clinic = ClinicBriefSerializer()
    procedure = serializers.CharField()
    condition = serializers.CharField(help_text="Empty when not given.")
    surgery_date = serializers.DateField()
    discharge_date = serializers.DateField(allow_null=True)
    recovery_day = serializers.SerializerMethodField(help_text="Days since surgery, in the patient's time zone (day 0 is surgery).")
    timezone = serializers.CharField(help_text="IANA time zone name.")
    language = serializers.ChoiceField(choices=LANGUAGE_CODES)
    reminder_time = ClockTimeField(help_text="HH:MM, patient-local.")
    sms_opt_in = serializers.BooleanField()
    monitoring_ended = serializers.SerializerMethodField()

    def get_recovery_day(self, patient) -> int:
        return patient.recovery_day(self.context.get("today"))

    def get_monitoring_ended(self, patient) -> bool:
        return patient.monitoring_ended_at is not None


class EnrollResponseSerializer(TokenPairSerializer):
    patient = PatientProfileSerializer()


# --- views -------------------------------------------------------------------------------------


class PublicAuthView(APIView):
    """A sign-in call: no token needed (a stale one is ignored); refusals are 401 with a Bearer challenge."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def get_authenticate_header(self, request):
        # Without it, DRF turns a 401 into a 403 for views that take no authentication.
        return 'Bearer realm="api"'


class StaffTokenView(PublicAuthView):
    """Staff sign-in. Repeated failures lock the username out for a while (django-axes)."""

    throttle_classes = [ScopedWindowRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        tags=[AUTH_TAG],
        operation_id="auth_token_create",
        summary="Staff sign-in: username and password for a pair of tokens",
        request=StaffTokenRequestSerializer,
        responses={200: TokenPairSerializer, **error_responses(400, 401, 429)},
        auth=[],
    )
    def post(self, request):
        serializer = StaffTokenRequestSerializer(data=request.data, context={"request": request})
        try:
            serializer.is_valid(raise_exception=True)
        except SecondFactorRefused:
            raise
        except exceptions.AuthenticationFailed:
            # django-axes flags a locked-out attempt on the request it was given (DRF's request).
            if getattr(request, "axes_locked_out", False) or getattr(request._request, "axes_locked_out", False):
                request._request.axes_locked_out = False  # answered here, not by axes' middleware page
                raise exceptions.Throttled(detail="Too many failed sign-in attempts. Try again later.") from None
            raise exceptions.AuthenticationFailed(BAD_CREDENTIALS, "no_active_account") from None
        return Response(serializer.validated_data)


def _role_still_holds(user, role: str | None) -> bool:
    if not user.is_active:
        return False
    if role == ROLE_STAFF:
        return is_staff_member(user=user)
    if role == ROLE_PATIENT:
        return Patient.objects.filter(user=user).exists()
    return False


class TokenRefreshView(PublicAuthView):
    """Trade a refresh token for a new access token and the next refresh token (the old one is revoked)."""

    @extend_schema(
        tags=[AUTH_TAG],
        operation_id="auth_token_refresh_create",
        summary="Refresh: a new access token and the next refresh token",
        request=RefreshRequestSerializer,
        responses={200: RefreshResponseSerializer, **error_responses(400, 401)},
        auth=[],
    )
    def post(self, request):
        serializer = RefreshRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        raw = serializer.validated_data["refresh"]
        with transaction.atomic():
            try:
                # Verify, lock the token's row, and verify again: of two refreshes with the same token,
                # the second waits for the first and then finds the token blacklisted.
                jti = RefreshToken(raw).payload.get(jwt_settings.JTI_CLAIM)
                OutstandingToken.objects.select_for_update().filter(jti=jti).first()
                refresh = RefreshToken(raw)
            except TokenError as exc:
                raise InvalidToken(exc.args[0]) from None
            user = get_user_model().objects.filter(pk=refresh.payload.get(jwt_settings.USER_ID_CLAIM)).first()
            if user is None or not _role_still_holds(user, refresh.payload.get(ROLE_CLAIM)):
                raise exceptions.AuthenticationFailed("No active account found for the given token.", "no_active_account")
            refresh.blacklist()
            data = {"access": str(refresh.access_token)}
            # The role claim and the user stay; a new id, expiry and issue time make the next token.
            refresh.set_jti()
            refresh.set_exp()
            refresh.set_iat()
            refresh.outstand()
            data["refresh"] = str(refresh)
        return Response(data)


class LogoutView(PublicAuthView):
    """Sign out: the refresh token is revoked at once; the access token lapses within minutes."""

    @extend_schema(
        tags=[AUTH_TAG],
        operation_id="auth_logout_create",
        summary="Sign out: revoke the refresh token",
        request=RefreshRequestSerializer,
        responses={204: OpenApiResponse(description="Signed out: the refresh token no longer works."), **error_responses(400, 401)},
        auth=[],
    )
    def post(self, request):
        serializer = RefreshRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            refresh = RefreshToken(serializer.validated_data["refresh"])
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from None
        refresh.blacklist()
        return Response(status=status.HTTP_204_NO_CONTENT)


class EnrollView(PublicAuthView):
    """A patient's first sign-in: the one-time code from the clinic for a pair of patient tokens."""

    throttle_classes = [ScopedWindowRateThrottle]
    throttle_scope = "enroll"

    @extend_schema(
        tags=[AUTH_TAG],
        operation_id="auth_enroll_create",
        summary="Patient enrollment: a one-time code for a pair of patient tokens",
        description=(
            "The code is single use and expires 14 days after the clinic issued it. Tries are limited per "
            "client. Enrolling again (a new code, e.g. for a new phone) signs out the earlier device."
        ),
        request=EnrollRequestSerializer,
        responses={200: EnrollResponseSerializer, **error_responses(400, 429)},
        examples=[OpenApiExample("code", value={"enrollment_code": "7KQ4M-2XH9P"}, request_only=True)],
        auth=[],
    )
    def post(self, request):
        serializer = EnrollRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            patient = patient_enroll(code=serializer.validated_data["enrollment_code"], audit=AuditSource.of(None, channel="api", request=request))
        except EnrollmentRefused:
            raise serializers.ValidationError({"enrollment_code": [ENROLLMENT_REFUSED]}) from None
        body = {**tokens_for_patient(patient.user), "patient": PatientProfileSerializer(patient).data}
        return Response(body)
