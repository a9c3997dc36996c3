"""A second composer of SMS replies, of shapes neither the hand-written corpus nor bench/sms_generator.py
has: caregivers writing for the patient ("my mom", "mi esposo"), several sentences, emoji, ALL CAPS,
English and Spanish in one reply, numbers that are no pain ("at 7 pm", "2 pills", "day 3", "slept 5
hours"), ranges ("6-7", "between 5 and 6"), fractions ("6.5"), temperatures in C and F, denials
across commas, "not anymore" / "ya no", questions ("is it normal to have a fever?"), and typing slips
of other kinds (a neighbouring key, a dropped vowel, a letter held down, SMS shorthand). Each reply
carries the reading it should get, by the conventions of docs/sms.md ("Reading replies"). Fixed by
its seed; bench/bench_sms.py reports it as its own sets.
"""

from __future__ import annotations

import random

F, W, WK, N, B, C, CH, S, U = ("fever", "wound_drainage", "new_weakness", "new_numbness", "bladder_bowel",
                               "calf_pain_swelling", "chest_pain_breathless", "trouble_swallowing", "uncontrolled_pain")
EN_NUMBERS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
ES_NUMBERS = ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez"]
F_HIGH = ["100.6", "100.9", "101.3", "101.8", "102.4", "103"]
F_LOW = ["97.9", "98.4", "98.9", "99.3", "99.7"]
C_HIGH = ["38.2", "38.4", "38.7", "39.1", "39.5"]
C_LOW = ["36.6", "36.9", "37.2", "37.4", "37.7"]
F_FORMS = {"en": ["{t}F", "{t} F", "{t} degrees", "{t}°F", "{t} fahrenheit"], "es": ["{t}F", "{t} F", "{t}°F", "{t} fahrenheit"]}
C_FORMS = {"en": ["{t}C", "{t} C", "{t}°C", "{t} celsius"], "es": ["{t}C", "{t} C", "{t}°C", "{t} grados", "{t} centigrados"]}

# Who writes: the patient, or someone writing for them (then the templates' {who} / {whose}).
CAREGIVERS = {
    "en": [("my mom", "my mom's"), ("my husband", "my husband's"), ("my wife", "my wife's"), ("my dad", "my dad's")],
    "es": ["mi mama", "mi esposo", "mi esposa", "mi papa", "mi hijo"],
}

# code: (said by the patient, said by a caregiver); {temp_f}, {temp_c} are a fever's temperature.
SYMPTOMS = {
    "en": {
        F: (["I've got a fever", "running a temp of {temp_f}", "temp is {temp_f}", "thermometer read {temp_c}", "chills all night",
             "I keep getting the chills", "woke up sweating with chills", "fever {temp_f}"],
            ["{who} has a fever", "{who} has chills", "{whose} temp is {temp_f}", "{who} is running a fever of {temp_c}"]),
        W: (["my incision is oozing yellow stuff", "the incision is red and warm", "fluid is leaking from my incision",
             "the wound has pus", "my stitches came apart", "the dressing is soaked with drainage", "the incision is swollen",
             "the wound smells"],
            ["{whose} incision is leaking", "{whose} wound is red and hot", "{whose} incision opened up", "{whose} wound is draining"]),
        WK: (["I fell in the kitchen", "my legs gave out", "my left leg is weak", "I had a fall this morning", "I can't walk",
              "my right leg keeps buckling", "I'm too weak to stand"],
             ["{who} fell", "{whose} legs are weak", "{who} had a fall", "{who} can't walk"]),
        N: (["my feet are numb", "tingling down my left leg", "numbness in my toes", "I can't feel my right foot", "my leg is numb"],
            ["{whose} feet are numb", "{who} has tingling in the legs", "{who} can't feel the left foot"]),
        B: (["I can't pee", "I haven't urinated since yesterday", "I lost control of my bladder", "I wet myself", "I can't control my bowels"],
            ["{who} can't pee", "{who} wet the bed", "{who} lost control of the bladder"]),
        C: (["my calf hurts", "my left calf is swollen", "my ankle is swollen", "my right leg is swollen", "pain in my calf"],
            ["{whose} calf is swollen", "{whose} ankle is swollen", "{whose} leg is swollen"]),
        CH: (["I have chest pain", "I'm short of breath", "I can't catch my breath", "my chest hurts", "trouble breathing"],
             ["{who} has chest pain", "{who} is short of breath", "{who} can't breathe well"]),
        S: (["I can't swallow", "swallowing is hard", "food gets stuck when I swallow", "trouble swallowing"],
            ["{who} can't swallow", "{who} has trouble swallowing"]),
        U: (["the pain meds are not helping", "the pain is unbearable", "nothing helps the pain"],
            ["{whose} pain meds aren't helping", "{whose} pain is unbearable"]),
    },
    "es": {
        F: (["tengo fiebre", "tengo {temp_c} de temperatura", "temperatura {temp_c}", "tengo escalofrios", "me dan escalofrios",
             "tengo calentura"],
            ["{who} tiene fiebre", "{who} tiene escalofrios", "{who} tiene {temp_c} de fiebre", "{who} tiene calentura"]),
        W: (["la herida esta supurando", "la herida esta roja", "me sale pus de la herida", "se abrio la herida",
             "la herida esta hinchada", "la herida huele mal"],
            ["a {who} le sale pus de la herida", "la herida de {who} esta roja", "la herida de {who} esta abierta"]),
        WK: (["me cai", "me cai en la cocina", "tengo las piernas debiles", "no puedo caminar", "se me doblo la rodilla"],
             ["{who} se cayo", "{who} no puede caminar", "{who} tiene las piernas debiles"]),
        N: (["tengo hormigueo en las piernas", "se me duerme el pie", "tengo el pie entumecido", "no siento el pie"],
            ["{who} tiene hormigueo en los pies", "a {who} se le duerme la pierna"]),
        B: (["no puedo orinar", "no he orinado desde ayer", "me orine encima", "no controlo la orina"],
            ["{who} no puede orinar", "{who} no controla la orina"]),
        C: (["me duele la pantorrilla", "tengo la pantorrilla hinchada", "tengo el tobillo hinchado", "tengo la pierna hinchada"],
            ["a {who} le duele la pantorrilla", "{who} tiene la pierna hinchada"]),
        CH: (["me falta el aire", "me duele el pecho", "no puedo respirar", "me cuesta respirar"],
             ["a {who} le falta el aire", "a {who} le duele el pecho", "{who} no puede respirar"]),
        S: (["no puedo tragar", "me cuesta tragar"], ["{who} no puede tragar"]),
        U: (["las pastillas no me ayudan", "el dolor es insoportable"], ["a {who} no le ayudan las pastillas"]),
    },
}
# Denials, and normal temperatures ({temp_f_low}, {temp_c_low}): no red flag.
DENIALS = {
    "en": [("no fevers or chills", F), ("no chills", F), ("temp {temp_f_low}", F), ("temperature was {temp_c_low}", F),
           ("incision is dry", W), ("no redness or drainage", W), ("no drainage", W), ("haven't fallen", WK), ("no numbness", N),
           ("no tingling", N), ("no calf pain", C), ("no chest pain at all", CH), ("not short of breath", CH),
           ("no trouble swallowing", S), ("no weakness", WK)],
    "es": [("no tengo calentura", F), ("sin escalofrios", F), ("temperatura {temp_c_low}", F), ("no me he caido", WK),
           ("no tengo hormigueo", N), ("sin dolor de pecho", CH), ("no me falta el aire", CH), ("la herida esta seca", W),
           ("sin fiebre", F)],
}
# Red flags that were and are no more: no red flag, but a nurse should read it (complete False).
NOT_ANYMORE = {
    "en": [("had a fever yesterday but not anymore", F), ("had chills last night, not anymore", F),
           ("my foot was numb this morning but not anymore", N), ("the tingling is gone now", N), ("no more chills", F)],
    "es": [("tuve fiebre anoche pero ya no", F), ("tenia hormigueo pero ya no", N), ("ya no tengo escalofrios", F),
           ("ya no se me duerme el pie", N)],
}
# Questions about a red flag: safety wins, it is recorded, and a nurse reads the reply.
QUESTIONS = {
    "en": [("is it normal to have {np}?", ["a fever", F], ["chills", F], ["numbness in my toes", N], ["swelling in my ankle", C],
            ["chest pain", CH], ["some drainage from the incision", W]),
           ("should I be worried about {np}?", ["a fever", F], ["tingling in my legs", N], ["pain in my calf", C],
            ["trouble swallowing", S])],
    "es": [("es normal tener {np}?", ["fiebre", F], ["escalofrios", F], ["hormigueo en los pies", N], ["la pierna hinchada", C],
            ["dolor en el pecho", CH]),
           ("me debo preocupar por {np}?", ["la fiebre", F], ["la herida roja", W])],
}
OTHER_QUESTIONS = {"en": ["can I drive yet?", "when can I shower?", "is it ok to sleep on my side?"],
                   "es": ["ya puedo manejar?", "cuando me puedo banar?", "puedo dormir de lado?"]}

PAIN = {
    "en": ["pain's sitting at {n}", "hurting about a {n}", "{d}/10 today", "I'd give it a {n}", "pain score {n}",
           "{n} on the pain scale", "back pain is at {n}", "pain = {n}", "pain {d}", "pain is a {n} out of 10"],
    "es": ["dolor como de {n}", "le pongo un {n} al dolor", "el dolor anda en {n}", "mi dolor hoy: {n}", "dolor {d}",
           "dolor de {n} sobre 10", "me duele como {n}"],
}
CAREGIVER_PAIN = {"en": ["{whose} pain is {n}", "{who} says the pain is a {n}", "{who} rates the pain {n}"],
                  "es": ["{who} tiene dolor de {n}", "el dolor de {who} esta en {n}", "{who} dice que el dolor es {n}"]}
NO_PAIN = {"en": ["zero pain", "no pain at all", "pain free today"], "es": ["nada de dolor", "sin dolor", "no me duele nada"]}
# Ranges read as the higher value; fractions as the next whole value: both for a nurse (complete False).
RANGES = {"en": ["pain {a}-{b}", "pain {a} to {b}", "pain between {a} and {b}", "pain {a} or {b}"],
          "es": ["dolor {a}-{b}", "dolor entre {a} y {b}", "dolor {a} o {b}"]}
FRACTIONS = {"en": ["pain {n}.5", "pain is {n}.5"], "es": ["dolor {n}.5", "dolor {n},5"]}
WALK = {
    "en": ["went for a {m} min walk", "walked around the block for {m} minutes", "did {m} minutes of walking", "walk: {m} min",
           "{m} mins walking"],
    "es": ["sali a caminar {m} minutos", "camine unos {m} min", "caminata de {m} minutos"],
}
MINUTES = [5, 10, 15, 20, 25, 30, 40, 45]
STEPS = {"en": ["{s} steps on my fitbit", "step count {s}", "{s} steps"], "es": ["{s} pasos hoy", "hice {s} pasos"]}
STEP_COUNTS = [900, 1800, 2400, 3600, 5200, 7000]
OPIOIDS = {
    "en": [("no narcotics today", False), ("only tylenol", False), ("took half a percocet", True), ("1 oxy this morning", True),
           ("didn't need any oxycodone", False), ("still on tramadol", True)],
    "es": [("ya no tomo oxicodona", False), ("tome tramadol", True), ("solo paracetamol", False), ("sin narcoticos", False)],
}
# Numbers that are no pain, as a piece of their own: (text, complete). "at 7 pm" and "day 3" also come
# before a pain ("day 3: pain 6").
NO_PAIN_NUMBERS = {
    "en": [("took 2 tylenol", False), ("slept 5 hours", False), ("2 pills this morning", False), ("surgery was 9 days ago", False),
           ("appointment is on the 12th", False), ("took my meds at 8", False), ("up 3 times last night", False)],
    "es": [("tome 2 pastillas", False), ("dormi 6 horas", False), ("la cirugia fue hace 8 dias", False),
           ("me levante 3 veces anoche", False), ("tome la medicina a las 9", False)],
}
PAIN_PREFIXES = {"en": ["day {k}: ", "day {k} ", "at 7 pm ", "this morning at 6 ", "post op day {k}, "],
                 "es": ["dia {k}: ", "dia {k} ", "a las 8 ", "hoy a las 10 "]}
ASIDES = {"en": ["the grandkids visited", "my brace is rubbing", "I'm bored at home", "couldn't sleep well"],
          "es": ["vinieron mis nietos", "el corse me lastima", "no pude dormir bien"]}
OPENINGS = {"en": ["", "", "", "Hi.", "Good evening!", "Hello this is {who_name}.", "update:"],
            "es": ["", "", "", "Hola.", "Buenas noches!", "Hola, soy {who_name}."]}
CLOSINGS = {"en": ["", "", "", "Thank you!", "thx", "have a good night"], "es": ["", "", "", "Gracias!", "saludos"]}
NAMES = ["Ana", "Bo", "Cleo", "Dev", "Eli", "Fran"]
EMOJI = ["😊", "🙏", "😣", "👍", "❤️", "😩", "🙂", "😬"]
JOINS = {"en": [". ", ". Also ", ", ", "\n", ". ", "! "], "es": [". ", ". Tambien ", ", ", "\n", ". ", "! "]}
SHORTHAND = {"en": {"you": "u", "are": "r", "because": "bc", "your": "ur", "please": "pls", "with": "w", "tonight": "tonite"},
             "es": {"que": "q", "por": "x", "tambien": "tmb", "estoy": "toy", "para": "pa", "esta": "sta"}}
KEYBOARD = {row[i]: row[i - 1] + row[i + 1] for row in ("qwertyuiop", "asdfghjkl", "zxcvbnm") for i in range(1, len(row) - 1)}
PROTECTED = frozenset(EN_NUMBERS + ES_NUMBERS + ["half", "media", "una", "uno"])


def _temps(rng: random.Random, language: str) -> dict:
    f, c = F_FORMS[language], C_FORMS[language]
    return {
        "temp_f": rng.choice(f).format(t=rng.choice(F_HIGH)), "temp_c": rng.choice(c).format(t=rng.choice(C_HIGH)),
        "temp_f_low": rng.choice(f).format(t=rng.choice(F_LOW)), "temp_c_low": rng.choice(c).format(t=rng.choice(C_LOW)),
    }


def _n(rng: random.Random, n: int, language: str) -> str:
    return (EN_NUMBERS if language == "en" else ES_NUMBERS)[n] if rng.random() < 0.35 else str(n)


def _slip(rng: random.Random, text: str, language: str) -> str:
    """One typing slip of a kind the other composer does not make."""
    words = text.split(" ")
    how = rng.choice(["neighbour", "vowel", "held", "shorthand"])
    if how == "shorthand":
        swaps = [i for i, w in enumerate(words) if w.lower() in SHORTHAND[language]]
        if swaps:
            i = rng.choice(swaps)
            words[i] = SHORTHAND[language][words[i].lower()]
            return " ".join(words)
        how = "held"
    long_words = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha() and w.lower() not in PROTECTED]
    if not long_words:
        return text
    i = rng.choice(long_words)
    w = words[i]
    if how == "neighbour":
        k = rng.randrange(1, len(w) - 1)
        if w[k] in KEYBOARD:
            w = w[:k] + rng.choice(KEYBOARD[w[k]]) + w[k + 1 :]
    elif how == "vowel":
        vowels = [k for k in range(1, len(w)) if w[k] in "aeiou"]
        if vowels:
            k = rng.choice(vowels)
            w = w[:k] + w[k + 1 :]
    else:
        w = w + w[-1] * rng.randint(2, 3)
    words[i] = w
    return " ".join(words)


def _piece(rng: random.Random, kind: str, language: str, caregiver, used: set) -> tuple[str, dict, bool]:
    """One piece of a reply: its text, what it should be read as, and whether it leaves the reply complete."""
    temps = _temps(rng, language)
    who, whose = caregiver if caregiver else ("", "")
    if kind == "pain":
        n = rng.randint(0, 10)
        if caregiver and rng.random() < 0.6:
            text = rng.choice(CAREGIVER_PAIN[language]).format(n=_n(rng, n, language), who=who, whose=whose)
        else:
            text = rng.choice(PAIN[language]).format(n=_n(rng, n, language), d=n)
        if rng.random() < 0.25:
            text = rng.choice(PAIN_PREFIXES[language]).format(k=rng.randint(2, 20)) + text
        return text, {"pain": n}, True
    if kind == "no_pain":
        return rng.choice(NO_PAIN[language]), {"pain": 0}, True
    if kind == "range":
        a = rng.randint(1, 8)
        b = a + rng.choice([1, 1, 2])
        return rng.choice(RANGES[language]).format(a=a, b=b), {"pain": b}, False
    if kind == "fraction":
        n = rng.randint(1, 8)
        return rng.choice(FRACTIONS[language]).format(n=n), {"pain": n + 1}, False
    if kind == "walk":
        m = rng.choice(MINUTES)
        return rng.choice(WALK[language]).format(m=m), {"walking_minutes": m}, True
    if kind == "steps":
        s = rng.choice(STEP_COUNTS)
        return rng.choice(STEPS[language]).format(s=s), {"steps": s}, True
    if kind == "opioids":
        text, value = rng.choice(OPIOIDS[language])
        return text, {"opioid_use": value}, True
    if kind == "number":
        text, complete = rng.choice(NO_PAIN_NUMBERS[language])
        return text, {}, complete
    if kind in {"denial", "not_anymore"}:
        # A denial of a red flag the reply does not report ("no numbness, my feet are numb" says nothing).
        choices = [(text, code) for text, code in (DENIALS if kind == "denial" else NOT_ANYMORE)[language] if code not in used]
        if not choices:
            return "", {}, True
        text, code = rng.choice(choices)
        used.add(code)
        return text.format(**temps), {}, kind == "denial"
    if kind == "question":
        template, *choices = rng.choice(QUESTIONS[language])
        choices = [(np, code) for np, code in choices if code not in used] or [("it", "")]
        np, code = rng.choice(choices)
        if not code:
            return rng.choice(OTHER_QUESTIONS[language]), {}, False
        used.add(code)
        return template.format(np=np), {"symptoms": [code]}, False
    if kind == "other_question":
        return rng.choice(OTHER_QUESTIONS[language]), {}, False
    if kind == "aside":
        return rng.choice(ASIDES[language]), {}, False
    codes = [c for c in SYMPTOMS[language] if c not in used]
    if not codes:
        return "", {}, True
    code = rng.choice(codes)
    used.add(code)
    mine, theirs = SYMPTOMS[language][code]
    template = rng.choice(theirs) if caregiver else rng.choice(mine)
    return template.format(who=who, whose=whose, **temps), {"symptoms": [code]}, True


KINDS = ["pain", "pain", "pain", "no_pain", "range", "fraction", "walk", "steps", "opioids", "number", "number", "denial", "denial",
         "not_anymore", "question", "other_question", "aside", "symptom", "symptom", "symptom"]


def _reply(rng: random.Random, language: str) -> dict:
    caregiver = None
    if rng.random() < 0.25:
        caregiver = rng.choice(CAREGIVERS[language])
        if language == "es":
            caregiver = (caregiver, caregiver)
    kinds = rng.sample(KINDS, rng.randint(1, 4))
    # One pain a reply: a second would be a different value ("two values give the higher, incomplete").
    pain_kinds = [k for k in kinds if k in {"pain", "no_pain", "range", "fraction"}]
    kinds = [k for k in kinds if k not in pain_kinds[1:]]
    pieces = []
    used: set[str] = set()
    for kind in kinds:
        # Both languages in one reply: a piece now and then in the other language (the patient's
        # voice only: a caregiver's words stay in theirs).
        lang = language
        if not caregiver and rng.random() < 0.15:
            lang = "es" if language == "en" else "en"
        pieces.append(_piece(rng, kind, lang, caregiver if lang == language else None, used))
    pieces = [p for n, p in enumerate(pieces) if p[0] and p[0] not in [q[0] for q in pieces[:n]]]
    if not pieces:
        pieces = [_piece(rng, "pain", language, caregiver, used)]
    rng.shuffle(pieces)
    texts = [t for t, _, _ in pieces]
    if rng.random() < 0.3:
        k = rng.randrange(len(texts))
        texts[k] = _slip(rng, texts[k], language)
    body = texts[0]
    for text in texts[1:]:
        body += rng.choice(JOINS[language]) + text
    # A name in the reply is something the reading does not record: for a nurse.
    opening_template = rng.choice(OPENINGS[language])
    opening = opening_template.format(who_name=rng.choice(NAMES))
    closing = rng.choice(CLOSINGS[language])
    body = " ".join(p for p in (opening, body, closing) if p)
    if rng.random() < 0.2:
        body = body + " " + rng.choice(EMOJI)
    elif rng.random() < 0.1:
        body = rng.choice(EMOJI) + " " + body
    if rng.random() < 0.1:
        body = body.upper()
    elif rng.random() < 0.5:
        body = body[:1].upper() + body[1:]
    expected: dict = {}
    complete = True
    for _, values, piece_complete in pieces:
        complete = complete and piece_complete
        for key, value in values.items():
            if key == "symptoms":
                expected.setdefault("symptoms", []).extend(v for v in value if v not in expected.get("symptoms", []))
            else:
                expected[key] = value
    expected["complete"] = complete and "{who_name}" not in opening_template
    return {"text": body, "language": language, "split": "variants", "expected": expected}


def generate(*, count: int = 600, seed: int = 101) -> list[dict]:
    rng = random.Random(seed)
    return [_reply(rng, "en" if i % 2 == 0 else "es") for i in range(count)]


if __name__ == "__main__":
    import json

    for entry in generate(count=30):
        print(json.dumps(entry, ensure_ascii=False))
