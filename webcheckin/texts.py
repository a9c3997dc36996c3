"""What the web check-in pages say, in the patient's language. Labels of symptoms, milestones and
procedures come from recovery.texts, advice from recovery.red_flags: one wording everywhere.

The English is the source; each language's wording is in its catalogue (context "web check-in").
Placeholders ({day}, {phone}...) are filled in the templates, in order (webcheckin_tags.fill).
"""

from django.utils.translation import pgettext_lazy

from patients.languages import in_language

PAGE = {
    "title": pgettext_lazy("web check-in", "Daily check-in"),
    "heading": pgettext_lazy("web check-in", "How was {day}?"),
    "today": pgettext_lazy("web check-in", "today"),
    "yesterday": pgettext_lazy("web check-in", "yesterday"),
    "intro": pgettext_lazy(
        "web check-in", "Day {recovery_day} after your surgery. Answer what you can; every question is optional."
    ),
    "intro_caregiver": pgettext_lazy(
        "web check-in", "You are answering for {name}: day {recovery_day} after the surgery. Answer what you can; every question is optional."
    ),
    "pain_legend": pgettext_lazy("web check-in", "Your worst pain today"),
    "pain_low": pgettext_lazy("web check-in", "0 = no pain"),
    "pain_high": pgettext_lazy("web check-in", "10 = worst pain you can imagine"),
    "walking_label": pgettext_lazy("web check-in", "Minutes of walking today, all walks together"),
    "opioid_legend": pgettext_lazy("web check-in", "Did you take opioid pain medicine today?"),
    "yes": pgettext_lazy("web check-in", "Yes"),
    "no": pgettext_lazy("web check-in", "No"),
    "symptoms_legend": pgettext_lazy("web check-in", "Do you have any of these now?"),
    "symptoms_hint": pgettext_lazy("web check-in", "Tick each one you have. If none, leave them empty."),
    "milestones_legend": pgettext_lazy("web check-in", "What did you reach today?"),
    "note_label": pgettext_lazy("web check-in", "Anything else for the care team (optional)"),
    "submit": pgettext_lazy("web check-in", "Send my check-in"),
    "nothing": pgettext_lazy("web check-in", "Answer at least one question before sending."),
    "recorded": pgettext_lazy("web check-in", "Thank you, recorded."),
    "advice_heading": pgettext_lazy("web check-in", "Do this now"),
    "expect_heading": pgettext_lazy("web check-in", "What to expect now"),
    "my_recovery": pgettext_lazy("web check-in", "My recovery"),
    "back": pgettext_lazy("web check-in", "Back to today's check-in"),
    "problem_heading": pgettext_lazy("web check-in", "This link does not open a check-in"),
    "expired": pgettext_lazy(
        "web check-in", "This link has expired: each link works until the end of the day after it was sent."
    ),
    "used": pgettext_lazy("web check-in", "This link has already been used for a check-in. Each link checks in once."),
    "unknown": pgettext_lazy(
        "web check-in", "This link is not one we sent, or part of it is missing. Check that you opened the whole link from our text."
    ),
    "not_yet": pgettext_lazy("web check-in", "Your check-ins start on the day of your surgery."),
    "new_link": pgettext_lazy("web check-in", "Text me a new link"),
    "new_link_hint": pgettext_lazy("web check-in", "We will text a new link to the phone number the clinic has for you."),
    "new_link_sent": pgettext_lazy("web check-in", "A new link is on its way by text message."),
    "new_link_limit": pgettext_lazy(
        "web check-in", "You have asked for several new links today. Please reply to our text, or call the clinic."
    ),
    "new_link_no_sms": pgettext_lazy(
        "web check-in", "We cannot text you: text messages are turned off for your number. Please call the clinic."
    ),
    "too_many": pgettext_lazy(
        "web check-in", "Too many attempts from this connection. Please wait an hour, or use the link in our latest text."
    ),
    "reply_sms": pgettext_lazy("web check-in", "You can also reply to our daily text with your pain from 0 to 10."),
    "call_clinic": pgettext_lazy("web check-in", "Questions: call the clinic at {phone}."),
    "recovery_title": pgettext_lazy("web check-in", "My recovery"),
    "recovery_intro": pgettext_lazy(
        "web check-in", "Day {recovery_day} after your surgery ({procedure}). The shaded band is the range expected for each day."
    ),
    "milestones_ahead": pgettext_lazy("web check-in", "Milestones ahead"),
    "milestone_window": pgettext_lazy("web check-in", "expected between day {start} and day {end}"),
    "no_milestones_ahead": pgettext_lazy("web check-in", "No milestones ahead: every milestone of your plan is reached."),
    "days_table": pgettext_lazy("web check-in", "My check-ins"),
    "day": pgettext_lazy("web check-in", "Day"),
    "pain": pgettext_lazy("web check-in", "Pain"),
    "walking": pgettext_lazy("web check-in", "Walking (min)"),
    "who_legend": pgettext_lazy("web check-in", "Who is answering?"),
    "who_patient": pgettext_lazy("web check-in", "I am the patient"),
}


def page_texts(language: str) -> dict:
    """The page's words in `language` (the default language where it has no catalogue)."""
    with in_language(language):
        return {key: str(text) for key, text in PAGE.items()}
