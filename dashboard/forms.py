"""Forms of the nurses' pages: worklist filters, alert actions and a patient's contact settings."""


from django import forms
from django.utils import dateformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from caregivers.models import Caregiver
from patients.choices import Language, Procedure
from patients.models import Clinic
from patients.services import patient_phone_check, reminder_time_check
from patients.validators import DEFAULT_PHONE_REGION, PHONE_INPUT_MAX_LENGTH, phone_normalize, validate_e164, validate_timezone
from recovery.choices import AlertUsefulness, Severity
from recovery.selectors.worklist import MONITORING_CHOICES

STATUS_CHOICES = [
    ("", gettext_lazy("Any status")),
    ("alert", gettext_lazy("Alert (urgent or high)")),
    ("watch", gettext_lazy("Watch (routine)")),
    ("on_track", gettext_lazy("On track")),
]
MONITORING_LABELS = {"active": gettext_lazy("Being monitored"), "ended": gettext_lazy("Monitoring ended"), "all": gettext_lazy("All patients")}


class _Form(forms.Form):
    """Labels sit above their fields, without a trailing colon."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class WorklistFilterForm(_Form):
    q = forms.CharField(label=gettext_lazy("Search by name"), required=False, max_length=100, strip=True)
    clinic = forms.TypedChoiceField(label=gettext_lazy("Clinic"), required=False, coerce=int, empty_value=None)
    procedure = forms.ChoiceField(label=gettext_lazy("Procedure"), required=False, choices=[("", gettext_lazy("Any procedure")), *Procedure.choices])
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False, choices=STATUS_CHOICES)
    monitoring = forms.ChoiceField(
        label=gettext_lazy("Monitoring"), required=False, choices=[(value, MONITORING_LABELS[value]) for value in MONITORING_CHOICES]
    )

    def __init__(self, *args, clinics: list[Clinic], **kwargs):
        super().__init__(*args, **kwargs)
        # Only the nurse's own clinics can be chosen: any other id is an invalid choice.
        self.fields["clinic"].choices = [("", _("All my clinics")), *[(c.pk, c.name) for c in clinics]]
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
    clinic = forms.TypedChoiceField(label=gettext_lazy("Clinic"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, clinics: list[Clinic], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinic"].choices = [("", _("All my clinics")), *[(c.pk, c.name) for c in clinics]]


class CohortExportForm(CohortFilterForm):
    """What the cohort's CSV holds: the cohort view's clinic, a procedure, a status; names and phones
    only when asked for (and allowed: the view checks recovery.export_identified)."""

    procedure = forms.ChoiceField(label=gettext_lazy("Procedure"), required=False, choices=[("", gettext_lazy("Any procedure")), *Procedure.choices])
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False, choices=STATUS_CHOICES)
    identified = forms.BooleanField(label=gettext_lazy("With names and phones"), required=False)


class AlertsFilterForm(_Form):
    severity = forms.ChoiceField(label=gettext_lazy("Severity"), required=False, choices=[("", gettext_lazy("Any severity")), *Severity.choices])


class MessagesFilterForm(_Form):
    status = forms.ChoiceField(label=gettext_lazy("Show"), required=False, choices=[("unread", gettext_lazy("Unread")), ("read", gettext_lazy("Read"))])


class AcknowledgeForm(_Form):
    note = forms.CharField(label=gettext_lazy("Note (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(_Form):
    """The note and the one-click label; whether a note is required (urgent and high alerts) is the
    service's rule (recovery.services.alert_resolve), the same as the staff API's."""

    note = forms.CharField(label=gettext_lazy("What was done"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    useful = forms.ChoiceField(label=gettext_lazy("Was this alert useful?"), required=False, choices=[("", gettext_lazy("Not said")), *AlertUsefulness.choices])


def _consent_history(patient) -> str:
    """When SMS consent was last given and withdrawn, in words, for the nurse changing it."""
    parts = []
    if patient.sms_consent_at:
        parts.append(_("Given %(date)s") % {"date": dateformat.format(patient.sms_consent_at, "M j, Y")})
    if patient.sms_opt_out_at:
        parts.append(_("withdrawn %(date)s") % {"date": dateformat.format(patient.sms_opt_out_at, "M j, Y")})
    return ("; ".join(parts) + ". " if parts else "") + _("Without consent no reminder is sent.")


class PatientContactForm(_Form):
    phone = forms.CharField(
        label=gettext_lazy("Mobile phone"),
        max_length=PHONE_INPUT_MAX_LENGTH,
        help_text=gettext_lazy("Such as (312) 555-0142, or +13125550142 with the country code."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    language = forms.ChoiceField(label=gettext_lazy("Language of messages"), choices=Language.choices)
    timezone = forms.CharField(
        label=gettext_lazy("Time zone"),
        max_length=64,
        validators=[validate_timezone],
        help_text=gettext_lazy("The patient's IANA time zone, such as America/Chicago: reminders follow it."),
    )
    reminder_time = forms.TimeField(
        label=gettext_lazy("Daily reminder time"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=gettext_lazy("Patient-local time."),
    )
    sms_opt_in = forms.BooleanField(label=gettext_lazy("The patient agrees to receive SMS"), required=False)

    def __init__(self, *args, clinic: Clinic, patient=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.patient = patient
        quiet = f"{clinic.quiet_hours_start:%H:%M}–{clinic.quiet_hours_end:%H:%M}"
        self.fields["reminder_time"].help_text = _("Patient-local time, outside the clinic's quiet hours (%(quiet)s).") % {"quiet": quiet}
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

    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    relationship = forms.CharField(label=gettext_lazy("Relationship"), max_length=60, help_text=gettext_lazy("e.g. spouse, daughter, friend"))
    phone = forms.CharField(label=gettext_lazy("Mobile phone"), max_length=16, validators=[validate_e164], help_text=gettext_lazy("E.164, e.g. +15551230002"))
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=Language.choices)
    sms_opt_in = forms.BooleanField(label=gettext_lazy("Consents to SMS"), required=False)
    receives = forms.TypedChoiceField(
        label=gettext_lazy("Texts, as the patient chooses"), choices=Caregiver.Receives.choices, initial=Caregiver.Receives.MISSED_DAY,
        required=False, empty_value=Caregiver.Receives.MISSED_DAY,
        help_text=gettext_lazy("Sent only with the caregiver's own consent, never in the quiet hours"),
    )


class CaregiverTextsForm(_Form):
    """What one caregiver is texted and their consent, changed from the patient page's caregivers table."""

    receives = forms.ChoiceField(label=gettext_lazy("Texts"), choices=Caregiver.Receives.choices)
    sms_opt_in = forms.BooleanField(label=gettext_lazy("Consents to SMS"), required=False)
