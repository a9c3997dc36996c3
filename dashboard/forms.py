"""Forms of the nurses' pages: worklist filters, alert actions and a patient's contact settings."""


from django import forms

from caregivers.models import Caregiver
from patients.choices import Language, Procedure
from patients.models import Clinic
from patients.services import patient_phone_check, reminder_time_check
from patients.validators import DEFAULT_PHONE_REGION, PHONE_INPUT_MAX_LENGTH, phone_normalize, validate_e164, validate_timezone
from recovery.choices import AlertUsefulness, Severity
from recovery.selectors.worklist import MONITORING_CHOICES

STATUS_CHOICES = [("", "Any status"), ("alert", "Alert (urgent or high)"), ("watch", "Watch (routine)"), ("on_track", "On track")]
MONITORING_LABELS = {"active": "Being monitored", "ended": "Monitoring ended", "all": "All patients"}


class _Form(forms.Form):
    """Labels sit above their fields, without a trailing colon."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class WorklistFilterForm(_Form):
    q = forms.CharField(label="Search by name", required=False, max_length=100, strip=True)
    clinic = forms.TypedChoiceField(label="Clinic", required=False, coerce=int, empty_value=None)
    procedure = forms.ChoiceField(label="Procedure", required=False, choices=[("", "Any procedure"), *Procedure.choices])
    status = forms.ChoiceField(label="Status", required=False, choices=STATUS_CHOICES)
    monitoring = forms.ChoiceField(
        label="Monitoring", required=False, choices=[(value, MONITORING_LABELS[value]) for value in MONITORING_CHOICES]
    )

    def __init__(self, *args, clinics: list[Clinic], **kwargs):
        super().__init__(*args, **kwargs)
        # Only the nurse's own clinics can be chosen: any other id is an invalid choice.
        self.fields["clinic"].choices = [("", "All my clinics"), *[(c.pk, c.name) for c in clinics]]
        self.fields["monitoring"].initial = "active"

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "clinic_id": data.get("clinic"),
            "procedure": data.get("procedure") or "",
            "status": data.get("status") or "",
            "q": data.get("q") or "",
            "monitoring": data.get("monitoring") or "active",
        }


class CohortFilterForm(_Form):
    clinic = forms.TypedChoiceField(label="Clinic", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, clinics: list[Clinic], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinic"].choices = [("", "All my clinics"), *[(c.pk, c.name) for c in clinics]]


class CohortExportForm(CohortFilterForm):
    """What the cohort's CSV holds: the cohort view's clinic, a procedure, a status; names and phones
    only when asked for (and allowed: the view checks recovery.export_identified)."""

    procedure = forms.ChoiceField(label="Procedure", required=False, choices=[("", "Any procedure"), *Procedure.choices])
    status = forms.ChoiceField(label="Status", required=False, choices=STATUS_CHOICES)
    identified = forms.BooleanField(label="With names and phones", required=False)


class AlertsFilterForm(_Form):
    severity = forms.ChoiceField(label="Severity", required=False, choices=[("", "Any severity"), *Severity.choices])


class MessagesFilterForm(_Form):
    status = forms.ChoiceField(label="Show", required=False, choices=[("unread", "Unread"), ("read", "Read")])


class AcknowledgeForm(_Form):
    note = forms.CharField(label="Note (optional)", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(_Form):
    """The note and the one-click label; whether a note is required (urgent and high alerts) is the
    service's rule (recovery.services.alert_resolve), the same as the staff API's."""

    note = forms.CharField(label="What was done", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    useful = forms.ChoiceField(label="Was this alert useful?", required=False, choices=[("", "Not said"), *AlertUsefulness.choices])


def _consent_history(patient) -> str:
    """When SMS consent was last given and withdrawn, in words, for the nurse changing it."""
    parts = []
    if patient.sms_consent_at:
        parts.append(f"Given {patient.sms_consent_at:%b %-d, %Y}")
    if patient.sms_opt_out_at:
        parts.append(f"withdrawn {patient.sms_opt_out_at:%b %-d, %Y}")
    return ("; ".join(parts) + ". " if parts else "") + "Without consent no reminder is sent."


class PatientContactForm(_Form):
    phone = forms.CharField(
        label="Mobile phone",
        max_length=PHONE_INPUT_MAX_LENGTH,
        help_text="Such as (312) 555-0142, or +13125550142 with the country code.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    language = forms.ChoiceField(label="Language of messages", choices=Language.choices)
    timezone = forms.CharField(
        label="Time zone",
        max_length=64,
        validators=[validate_timezone],
        help_text="The patient's IANA time zone, such as America/Chicago: reminders follow it.",
    )
    reminder_time = forms.TimeField(
        label="Daily reminder time",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="Patient-local time.",
    )
    sms_opt_in = forms.BooleanField(label="The patient agrees to receive SMS", required=False)

    def __init__(self, *args, clinic: Clinic, patient=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.patient = patient
        quiet = f"{clinic.quiet_hours_start:%H:%M}–{clinic.quiet_hours_end:%H:%M}"
        self.fields["reminder_time"].help_text = f"Patient-local time, outside the clinic's quiet hours ({quiet})."
        if patient is not None:
            self.fields["sms_opt_in"].help_text = _consent_history(patient)

    def clean_phone(self):
        """Read in the clinic's region and kept in E.164; not a number another clinic's active patient holds."""
        phone = phone_normalize(self.cleaned_data["phone"], region=self.clinic.phone_region or DEFAULT_PHONE_REGION)
        try:
            patient_phone_check(clinic=self.clinic, phone=phone, exclude_patient_id=getattr(self.patient, "pk", None))
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["phone"]) from None
        return phone

    def clean_reminder_time(self):
        value = self.cleaned_data["reminder_time"]
        try:
            reminder_time_check(clinic=self.clinic, reminder_time=value)
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.error_dict["reminder_time"]) from None
        return value


class CaregiverForm(_Form):
    """A caregiver a nurse adds to a patient: who answers for the patient, with their own SMS consent."""

    # The patient page also holds the contact form, whose fields have the same names.
    prefix = "caregiver"

    name = forms.CharField(label="Name", max_length=200)
    relationship = forms.CharField(label="Relationship", max_length=60, help_text="e.g. spouse, daughter, friend")
    phone = forms.CharField(label="Mobile phone", max_length=16, validators=[validate_e164], help_text="E.164, e.g. +15551230002")
    language = forms.ChoiceField(label="Language", choices=Language.choices)
    sms_opt_in = forms.BooleanField(label="Consents to SMS", required=False)
    receives = forms.TypedChoiceField(
        label="Texts, as the patient chooses", choices=Caregiver.Receives.choices, initial=Caregiver.Receives.MISSED_DAY,
        required=False, empty_value=Caregiver.Receives.MISSED_DAY,
        help_text="Sent only with the caregiver's own consent, never in the quiet hours",
    )


class CaregiverTextsForm(_Form):
    """What one caregiver is texted and their consent, changed from the patient page's caregivers table."""

    receives = forms.ChoiceField(label="Texts", choices=Caregiver.Receives.choices)
    sms_opt_in = forms.BooleanField(label="Consents to SMS", required=False)
