"""The web check-in form: the check-in's questions in the patient's language, read into check-in fields."""

from django import forms
from django.core.exceptions import ValidationError

from recovery.choices import Symptom
from recovery.services.milestone_questions import question_text
from recovery.texts import milestone_label, symptom_label
from webcheckin.texts import page_texts

PAIN_CHOICES = [(str(n), str(n)) for n in range(0, 11)]


class WebCheckinForm(forms.Form):
    # Made when the form is drawn: the same form sent twice is one check-in (the API's client_id).
    client_id = forms.UUIDField(widget=forms.HiddenInput)
    pain = forms.TypedChoiceField(choices=PAIN_CHOICES, coerce=int, required=False, empty_value=None, widget=forms.RadioSelect)
    walking_minutes = forms.IntegerField(min_value=0, max_value=1440, required=False)
    opioid_use = forms.TypedChoiceField(
        choices=[("yes", "yes"), ("no", "no")], coerce=lambda v: v == "yes", required=False, empty_value=None, widget=forms.RadioSelect
    )
    symptoms = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    milestones = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    # Only where the patient has caregivers: the patient, or which caregiver, answers.
    answered_by = forms.ChoiceField(required=False, widget=forms.RadioSelect)

    def __init__(self, *args, language: str, milestone_codes: list[str], caregivers=(), questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.language = language
        words = page_texts(language)
        # The milestone questions waiting for a yes or no (recovery.services.milestone_questions).
        self.questions = {f"question_{q.pk}": q for q in questions}
        for name, q in self.questions.items():
            self.fields[name] = forms.ChoiceField(
                choices=[("yes", words["yes"]), ("no", words["no"])], required=False, widget=forms.RadioSelect,
                label=question_text(milestone=q.milestone, language=language),
            )
        self.caregivers = {str(c.pk): c for c in caregivers}
        if self.caregivers:
            self.fields["answered_by"].choices = [("", words["who_patient"])] + [
                (key, f"{c.name} ({c.relationship})") for key, c in self.caregivers.items()
            ]
            self.fields["answered_by"].initial = ""
        else:
            del self.fields["answered_by"]
        self.fields["opioid_use"].choices = [("yes", words["yes"]), ("no", words["no"])]
        self.fields["symptoms"].choices = [(s.value, symptom_label(s.value, language)) for s in Symptom]
        self.fields["milestones"].choices = [(code, milestone_label(code, language)) for code in milestone_codes]
        self.fields["walking_minutes"].widget.attrs.update({"inputmode": "numeric", "min": 0, "max": 1440})

    def clean(self):
        data = super().clean()
        # A "yes" to a milestone question is a milestone reached (checkin_fields); a "no" comes with the
        # rest of the check-in.
        if not self.errors and not any(reached for _, reached in self.question_answers()) and not any(data.get(name) not in (None, "", []) for name in ("pain", "walking_minutes", "opioid_use", "symptoms", "milestones", "note")):
            raise ValidationError(page_texts(self.language)["nothing"])
        return data

    def question_fields(self):
        return [self[name] for name in self.questions]

    def question_answers(self) -> list:
        """(question, reached) for each milestone question answered."""
        data = getattr(self, "cleaned_data", {})
        return [(q, data[name] == "yes") for name, q in self.questions.items() if data.get(name) in ("yes", "no")]

    def caregiver(self):
        """The caregiver who answers, or None for the patient."""
        return self.caregivers.get(self.cleaned_data.get("answered_by") or "")

    def checkin_fields(self) -> dict:
        """The check-in's fields as checkin_submit takes them (unanswered questions left out)."""
        data = self.cleaned_data
        fields = {name: data[name] for name in ("pain", "walking_minutes", "opioid_use") if data.get(name) is not None}
        for name in ("symptoms", "milestones"):
            if data.get(name):
                fields[name] = list(data[name])
        reached = [q.milestone for q, yes in self.question_answers() if yes and q.milestone not in fields.get("milestones", ())]
        if reached:
            fields["milestones"] = [*fields.get("milestones", ()), *reached]
        if data.get("note"):
            fields["note"] = data["note"]
        return fields
