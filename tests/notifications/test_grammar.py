"""Reading patients' texts: carrier keywords and the short check-in grammar, in English and Spanish."""

import pytest

from notifications.grammar import sms_read


@pytest.mark.parametrize("text", ["STOP", "stop", " Stop. ", "STOPALL", "unsubscribe", "CANCEL", "end", "QUIT", "revoke", "OPTOUT", "parar"])
def test_carrier_opt_out_words_opt_out(text):
    assert sms_read(text).kind == "opt_out"


@pytest.mark.parametrize("text", ["START", "unstop", "Yes", "yes!"])
def test_opt_in_words_opt_back_in(text):
    assert sms_read(text).kind == "opt_in"


@pytest.mark.parametrize("text", ["HELP", "help?", "Info", "AYUDA"])
def test_help_words_ask_for_help(text):
    assert sms_read(text).kind == "help"


def test_a_keyword_inside_a_sentence_is_not_a_keyword():
    assert sms_read("please stop the pain").kind != "opt_out"


@pytest.mark.parametrize(("text", "pain"), [("0", 0), ("4", 4), (" 10 ", 10), ("7/10", 7), ("3.", 3)])
def test_a_whole_number_from_0_to_10_is_the_days_pain(text, pain):
    reading = sms_read(text)
    assert (reading.kind, reading.fields, reading.complete) == ("checkin", {"pain": pain}, True)


@pytest.mark.parametrize("text", ["11", "-3", "4.5", "100"])
def test_other_numbers_are_not_a_pain_score(text):
    assert "pain" not in sms_read(text).fields


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("pain 4 walk 20", {"pain": 4, "walking_minutes": 20}),
        ("Pain 4, walked 20 minutes", {"pain": 4, "walking_minutes": 20}),
        ("dolor 4 caminar 20", {"pain": 4, "walking_minutes": 20}),
        ("Dolor 6 caminé 15 minutos", {"pain": 6, "walking_minutes": 15}),
        ("steps 3200", {"steps": 3200}),
        ("3200 pasos", {"steps": 3200}),
        ("opioids no", {"opioid_use": False}),
        ("opioides si", {"opioid_use": True}),
        ("fever", {"symptoms": ["fever"]}),
        ("fiebre", {"symptoms": ["fever"]}),
        ("pain 8 and I have a fever", {"pain": 8, "symptoms": ["fever"]}),
        ("dolor 7 y fiebre", {"pain": 7, "symptoms": ["fever"]}),
        ("chest pain", {"symptoms": ["chest_pain_breathless"]}),
        ("falta de aire", {"symptoms": ["chest_pain_breathless"]}),
        ("short of breath and my calf hurts", {"symptoms": ["chest_pain_breathless", "calf_pain_swelling"]}),
        ("pierna hinchada", {"symptoms": ["calf_pain_swelling"]}),
        ("numbness in my leg", {"symptoms": ["new_numbness"]}),
        ("no puedo orinar", {"symptoms": ["bladder_bowel"]}),
        ("trouble swallowing", {"symptoms": ["trouble_swallowing"]}),
        ("the wound is draining", {"symptoms": ["wound_drainage"]}),
    ],
)
def test_the_short_grammar_in_english_and_spanish(text, fields):
    assert sms_read(text).fields == fields


def test_a_negated_symptom_is_not_a_red_flag():
    assert sms_read("pain 3 no fever").fields == {"pain": 3}
    assert sms_read("dolor 3 sin fiebre").fields == {"pain": 3}
    assert sms_read("pain 2, I don't have a fever").fields == {"pain": 2}
    assert sms_read("no tengo fiebre").kind == "text"


def test_a_negation_does_not_reach_past_a_clause_break():
    assert sms_read("no chills but a fever").fields == {"symptoms": ["fever"]}
    assert sms_read("pain 4 no numbness and my calf hurts").fields == {"pain": 4, "symptoms": ["calf_pain_swelling"]}


def test_words_it_does_not_know_leave_the_reading_incomplete():
    reading = sms_read("pain 5 but the dog kept me up")
    assert reading.fields == {"pain": 5}
    assert not reading.complete


@pytest.mark.parametrize("text", ["thanks!", "when is my next appointment?", "", "   ", "🙂"])
def test_anything_else_is_free_text(text):
    assert sms_read(text).kind == "text"
