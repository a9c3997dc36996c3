"""Reading a patient's SMS: carrier keywords (STOP, START, HELP) and a short check-in grammar, in
English and Spanish. Pure: text in, a plain reading out.

    "4", "7/10"                 -> pain
    "pain 4 walk 20"            -> pain 4, walking 20 minutes   ("dolor 4 caminar 20")
    "steps 3000", "pasos 3000"  -> steps
    "opioids no", "opioides si" -> opioid use
    "fever", "fiebre", "I have chills and my leg is numb" -> red-flag codes ("no fever" is not one)

A symptom word counts wherever it stands in the message: a red flag read too eagerly costs a nurse a
call, one missed may cost the patient. Numbers count only in the grammar's places.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from recovery.choices import Symptom

# Twilio's default opt-out, opt-in and help keywords (whole message, any case), and Spanish ones.
OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "PARAR", "BAJA", "CANCELAR"})
OPT_IN_WORDS = frozenset({"START", "UNSTOP", "YES", "INICIAR", "ALTA"})
HELP_WORDS = frozenset({"HELP", "INFO", "AYUDA"})

PAIN_WORDS = frozenset({"pain", "dolor"})
WALK_WORDS = frozenset({"walk", "walks", "walked", "walking", "caminar", "camine", "camino", "caminata", "caminado", "camina"})
STEP_WORDS = frozenset({"steps", "step", "pasos", "paso"})
OPIOID_WORDS = frozenset({"opioid", "opioids", "opioide", "opioides", "opiaceos", "opiaceo", "narcotics", "narcoticos"})
YES_WORDS = frozenset({"yes", "y", "si", "true"})
NO_WORDS = frozenset({"no", "n", "none", "false", "ninguno"})
MINUTE_WORDS = frozenset({"min", "mins", "minute", "minutes", "minuto", "minutos", "m"})
NEGATIONS = frozenset({"no", "not", "without", "sin", "never", "nunca", "ni", "dont", "doesnt", "didnt", "t", "none"})
# A negation reaches this many words ahead ("I don't have a fever"), not past a clause break.
NEGATION_REACH = 3
CLAUSE_BREAKS = frozenset({"but", "and", "pero", "y", "also", "tambien"})

# Words or phrases (accents removed, lower case) that name a red flag; longest phrases are tried first.
SYMPTOM_PHRASES: dict[tuple[str, ...], str] = {}
for _code, _phrases in {
    Symptom.FEVER: ["fever", "feverish", "chills", "temperature", "fiebre", "escalofrios", "calentura"],
    Symptom.WOUND_DRAINAGE: [
        "drainage", "draining", "oozing", "pus", "wound red", "wound open", "incision red", "infected",
        "supura", "supuracion", "secrecion", "herida roja", "herida abierta", "infectada", "infeccion",
    ],
    Symptom.NEW_WEAKNESS: ["weakness", "weak", "fell", "fall", "debilidad", "debil", "caida", "me cai"],
    Symptom.NEW_NUMBNESS: ["numbness", "numb", "tingling", "entumecimiento", "entumecido", "entumecida", "hormigueo"],
    Symptom.BLADDER_BOWEL: ["bladder", "bowel", "incontinence", "incontinencia", "vejiga", "intestino", "cannot urinate", "no puedo orinar"],
    Symptom.CALF_PAIN_SWELLING: ["calf", "swollen leg", "leg swollen", "pantorrilla", "pierna hinchada"],
    Symptom.CHEST_PAIN_BREATHLESS: [
        "chest", "breathless", "short of breath", "shortness of breath", "trouble breathing", "cant breathe",
        "pecho", "falta de aire", "ahogo", "no puedo respirar",
    ],
    Symptom.TROUBLE_SWALLOWING: ["swallowing", "swallow", "tragar"],
    Symptom.UNCONTROLLED_PAIN: ["uncontrolled", "pain not controlled", "incontrolable", "descontrolado", "dolor no controlado"],
}.items():
    for _phrase in _phrases:
        SYMPTOM_PHRASES[tuple(_phrase.split())] = _code
_LONGEST_PHRASE = max(len(p) for p in SYMPTOM_PHRASES)

# Words that carry no meaning of their own here; everything else unread makes the message "free text".
FILLER = frozenset(
    """and y e today hoy i my mi me is es a an of de the el la los las have has tengo tiene with con im
    am estoy was fue it at en to por para muy very bit poco some algo also tambien feel feeling siento
    score level nivel out sobre""".split()
)


@dataclass(frozen=True)
class Reading:
    """What an inbound SMS says: a keyword (`opt_out`, `opt_in`, `help`), a `checkin` with fields, or
    `text` (nothing we can record). `complete` is False when some words were not understood."""

    kind: str
    fields: dict = field(default_factory=dict)
    complete: bool = True


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def _keyword(text: str) -> str:
    return re.sub(r"[^A-Za-z]+", "", text).upper() if len(text) <= 20 else ""


def _number(token: str | None) -> int | None:
    return int(token) if token is not None and token.isdigit() and len(token) <= 6 else None


def _negated(tokens: list[str], at: int) -> bool:
    for back in range(1, NEGATION_REACH + 1):
        if at - back < 0 or tokens[at - back] in CLAUSE_BREAKS:
            return False
        if tokens[at - back] in NEGATIONS:
            return True
    return False


# A word naming a value, then the value: "pain 6", "walked 20 min", "steps 900"; with the most it may be.
_NAMED_NUMBERS = ((PAIN_WORDS, "pain", 10), (WALK_WORDS, "walking_minutes", 1440), (STEP_WORDS, "steps", 100000))


def sms_read(text: str) -> Reading:
    """Read one inbound SMS body."""
    text = (text or "").strip()
    word = _keyword(text)
    if word in OPT_OUT_WORDS and re.fullmatch(r"[A-Za-z]+[.!]*", text):
        return Reading("opt_out")
    if word in OPT_IN_WORDS and re.fullmatch(r"[A-Za-z]+[.!]*", text):
        return Reading("opt_in")
    if word in HELP_WORDS and re.fullmatch(r"[A-Za-z]+[.!?]*", text):
        return Reading("help")

    plain = _plain(text)
    bare = re.fullmatch(r"\s*(\d{1,2})\s*(?:/\s*10)?\s*[.!]?\s*", plain)
    if bare:
        pain = int(bare.group(1))
        return Reading("checkin", {"pain": pain}) if pain <= 10 else Reading("text", complete=False)

    tokens = re.findall(r"[a-z]+|\d+", plain.replace("/10", " "))
    fields: dict = {}
    symptoms: list[str] = []
    unread = 0
    i = 0
    while i < len(tokens):
        token = tokens[i]
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        named = next(((name, top) for words, name, top in _NAMED_NUMBERS if token in words), None)
        if named and _number(following) is not None:
            name, top = named
            if _number(following) <= top:
                fields[name] = _number(following)
            else:
                unread += 1
            i += 2
            if name == "walking_minutes" and i < len(tokens) and tokens[i] in MINUTE_WORDS:
                i += 1
            continue
        if _number(token) is not None and following in STEP_WORDS:
            if _number(token) <= 100000:
                fields["steps"] = _number(token)
            i += 2
            continue
        if token in OPIOID_WORDS and following in YES_WORDS | NO_WORDS:
            fields["opioid_use"] = following in YES_WORDS
            i += 2
            continue
        if token in NO_WORDS and following in OPIOID_WORDS:
            fields["opioid_use"] = False
            i += 2
            continue
        matched = None
        for length in range(min(_LONGEST_PHRASE, len(tokens) - i), 0, -1):
            code = SYMPTOM_PHRASES.get(tuple(tokens[i : i + length]))
            if code:
                matched = (code, length)
                break
        if matched:
            code, length = matched
            negated = _negated(tokens, i)
            if not negated and code not in symptoms:
                symptoms.append(code)
            i += length
            continue
        if token in FILLER or token in PAIN_WORDS or token in MINUTE_WORDS or token in NEGATIONS:
            i += 1
            continue
        unread += 1
        i += 1
    if symptoms:
        fields["symptoms"] = [str(code) for code in symptoms]
    if not fields:
        return Reading("text", complete=False)
    return Reading("checkin", fields, complete=unread == 0)
