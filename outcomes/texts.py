"""What the questionnaire pages and the offer SMS say, in the patient's language. The questions
themselves come from the loaded instrument and its translations.

The English is the source; each language's wording is in its catalogue (context "questionnaire").
Placeholders ({label}, {n}...) are filled in the templates, in order (webcheckin_tags.fill).
"""

from django.utils.translation import pgettext_lazy

from patients.languages import in_language

PAGE = {
    "title": pgettext_lazy("questionnaire", "Recovery questionnaire"),
    "intro": pgettext_lazy("questionnaire", "A few questions about how you are doing, {label} after your surgery. Your answers are kept as you go: you can stop and come back with the same link."),
    "intro_baseline": pgettext_lazy("questionnaire", "A few questions about how you are doing before your surgery. Your answers are kept as you go: you can stop and come back with the same link."),
    "progress": pgettext_lazy("questionnaire", "Question {n} of {total}"),
    "next": pgettext_lazy("questionnaire", "Next"),
    "finish": pgettext_lazy("questionnaire", "Send my answers"),
    "back": pgettext_lazy("questionnaire", "Previous question"),
    "skip": pgettext_lazy("questionnaire", "Skip this question"),
    "choose": pgettext_lazy("questionnaire", "Choose one answer."),
    "number": pgettext_lazy("questionnaire", "Enter a whole number from {low} to {high}."),
    "done": pgettext_lazy("questionnaire", "Thank you, your answers are recorded."),
    "done_score": pgettext_lazy("questionnaire", "Your score: {score}."),
    "problem_heading": pgettext_lazy("questionnaire", "This link does not open a questionnaire"),
    "expired": pgettext_lazy("questionnaire", "This link has expired: the time for this questionnaire has passed."),
    "used": pgettext_lazy("questionnaire", "This questionnaire is already answered. Thank you."),
    "unknown": pgettext_lazy("questionnaire", "This link is not one we sent, or part of it is missing. Check that you opened the whole link from our text."),
    "too_many": pgettext_lazy("questionnaire", "Too many attempts from this connection. Please wait an hour, or use the link in our latest text."),
    "call_clinic": pgettext_lazy("questionnaire", "Questions: call the clinic at {phone}."),
}

# The shipped instrument's time point labels (the instrument's own labels are English): translated
# where the catalogue has them, shown as loaded otherwise.
TIME_POINT_LABELS = {
    "6 weeks": pgettext_lazy("questionnaire time point", "6 weeks"),
    "3 months": pgettext_lazy("questionnaire time point", "3 months"),
    "6 months": pgettext_lazy("questionnaire time point", "6 months"),
    "12 months": pgettext_lazy("questionnaire time point", "12 months"),
}

# Kept to GSM-7 letters in every language, so that the text stays within two SMS segments.
OFFER = pgettext_lazy("questionnaire", "{clinic}: a short questionnaire about your recovery (about 2 minutes). Answer here: {link}")


def page_texts(language: str) -> dict:
    """The page's words in `language` (the default language where it has no catalogue)."""
    with in_language(language):
        return {key: str(text) for key, text in PAGE.items()}


def offer_text(*, language: str, clinic: str, link: str) -> str:
    with in_language(language):
        return str(OFFER).format(clinic=clinic, link=link)


def time_point_label(label: str, language: str) -> str:
    text = TIME_POINT_LABELS.get(label)
    if text is None:
        return label
    with in_language(language):
        return str(text)
