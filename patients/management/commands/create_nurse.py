"""`manage.py create_nurse`: a nurse (and the clinic, where it does not exist yet), for operators and tests."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from patients.models import Clinic
from patients.services import nurse_create
from patients.validators import DEFAULT_PHONE_REGION, phone_normalize


def _messages(error: ValidationError) -> str:
    return " ".join(error.messages)


class Command(BaseCommand):
    help = (
        "Create a nurse who belongs to a clinic (creating the clinic where it does not exist yet). "
        "Run again for an existing username to set a new password, add a clinic, a phone or the on-call flag."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--clinic", required=True, help="The clinic's name.")
        parser.add_argument(
            "--phone", default="", help="Where pages go, such as +15551230000 or (555) 123-0000 (read in the clinic's region)."
        )
        parser.add_argument("--on-call", action="store_true", help="Put the nurse on the clinic's paging roster.")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args, username, password, clinic, phone, on_call, first_name, last_name, **options):
        username = username.strip()
        clinic_name = " ".join(clinic.split())
        phone = phone.strip()
        if not username:
            raise CommandError("--username: give a username")
        try:
            get_user_model().username_validator(username)
        except ValidationError as exc:
            raise CommandError(f"--username: {_messages(exc)}") from None
        if not password:
            raise CommandError("--password: give a password")
        if not clinic_name:
            raise CommandError("--clinic: give the clinic's name")
        if len(clinic_name) > 200:
            raise CommandError("--clinic: at most 200 characters")
        if phone:
            try:
                region = Clinic.objects.filter(name=clinic_name).values_list("phone_region", flat=True).first()
                phone = phone_normalize(phone, region=region or DEFAULT_PHONE_REGION)
            except ValidationError as exc:
                raise CommandError(f"--phone: {_messages(exc)}") from None
        try:
            # Weak passwords are allowed (tests and demos use short ones) but the operator is told.
            validate_password(password)
        except ValidationError as exc:
            self.stderr.write(f"Warning: weak password: {_messages(exc)}")

        existed = get_user_model().objects.filter(username=username).exists()
        try:
            membership = nurse_create(
                username=username,
                password=password,
                clinic_name=clinic_name,
                phone=phone,
                on_call=on_call,
                first_name=first_name,
                last_name=last_name,
            )
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from None

        profile = membership.user.nurse_profile
        roster = "on call" if membership.on_call else "not on call"
        pages = f"pages to {profile.phone}" if profile.phone else "no phone for pages"
        verb = "Updated" if existed else "Created"
        self.stdout.write(
            self.style.SUCCESS(f"{verb} nurse {username!r} of clinic {membership.clinic.name!r} ({roster}, {pages}).")
        )
