"""Composed SMS replies for measuring the grammar on text of another shape than the hand-written corpus:
templates for each thing a patient reports, synonyms, number words, misspellings, greetings and asides,
in English and Spanish, joined in random order with a fixed seed. Each reply carries the reading it
should get. The grammar was never tuned on these (bench/bench_sms.py reports them as their own set).
"""

from __future__ import annotations

import random

EN_NUMBERS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
ES_NUMBERS = ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez"]
EN_TENS = {10: "ten", 15: "fifteen", 20: "twenty", 25: "twenty five", 30: "thirty", 40: "forty", 45: "forty-five", 60: "sixty"}
ES_TENS = {10: "diez", 15: "quince", 20: "veinte", 25: "veinticinco", 30: "treinta", 40: "cuarenta", 45: "cuarenta y cinco", 60: "sesenta"}
F_HIGH = ["100.8", "101", "101.5", "102", "103.1"]
F_LOW = ["98.6", "99", "99.5", "100.1"]
C_HIGH = ["38.3", "38.5", "39", "39.2"]
C_LOW = ["36.8", "37", "37.5"]

# code, positive wordings, negated wordings (each may use {F_HIGH}, {F_LOW}, {C_HIGH}, {C_LOW}, {side}).
SYMPTOMS = {
    "en": {
        "fever": (["a fever", "fever", "chills", "I have the chills", "temp {F_HIGH}", "a temperature of {F_HIGH}",
                   "fever of {F_HIGH}", "{F_HIGH} degrees", "feeling feverish"],
                  ["no fever", "no chills", "I don't have a fever", "fever is gone", "temp {F_LOW}", "temperature {F_LOW}",
                   "no fever or chills"]),
        "wound_drainage": (["my incision is red", "the incision is draining", "my wound is leaking", "the incision is oozing",
                            "incision is swollen and warm", "the wound looks red and hot", "pus from the incision",
                            "my wound opened up"],
                           ["the incision looks fine", "no drainage", "the wound is not red", "incision looks good"]),
        "new_weakness": (["my legs feel weak", "I fell", "I had a fall", "my {side} leg gave out", "weakness in my {side} leg",
                          "I can't walk", "my knee buckled"],
                         ["no weakness", "not weak", "no falls"]),
        "new_numbness": (["my foot is numb", "my toes are numb", "tingling in my feet", "numbness in my {side} leg",
                          "I can't feel my {side} foot", "pins and needles in my legs"],
                         ["no numbness", "no tingling", "no numbness or tingling"]),
        "bladder_bowel": (["I can't pee", "I can't urinate", "I wet myself", "lost control of my bladder",
                           "I haven't peed all day", "trouble peeing"], []),
        "calf_pain_swelling": (["my calf hurts", "my calf is swollen", "my {side} leg is swollen", "swollen ankle",
                                "pain in my {side} calf"],
                               ["no calf pain", "calf is fine", "no swelling in my legs"]),
        "chest_pain_breathless": (["chest pain", "I'm short of breath", "trouble breathing", "my chest hurts", "I can't breathe",
                                   "shortness of breath", "my chest feels tight"],
                                  ["no chest pain", "not short of breath", "breathing is fine", "no shortness of breath"]),
        "trouble_swallowing": (["trouble swallowing", "it's hard to swallow", "I can't swallow", "difficulty swallowing"],
                               ["no trouble swallowing", "swallowing is fine"]),
        "uncontrolled_pain": (["the pain meds aren't helping", "pain not controlled", "the pain is unbearable",
                               "the pills are not working"], []),
    },
    "es": {
        "fever": (["fiebre", "tengo fiebre", "escalofrios", "temperatura de {C_HIGH}", "tengo {C_HIGH} de fiebre", "calentura",
                   "tengo escalofríos"],
                  ["sin fiebre", "no tengo fiebre", "ya no tengo fiebre", "temperatura {C_LOW}", "sin fiebre ni escalofrios"]),
        "wound_drainage": (["la herida esta roja", "la herida está abierta", "la herida esta hinchada", "la herida esta supurando",
                            "la herida esta caliente", "me sale pus de la herida"],
                           ["la herida esta bien", "la herida se ve bien"]),
        "new_weakness": (["me cai", "me caí", "tengo las piernas debiles", "siento debilidad en la pierna", "no puedo caminar",
                          "se me doblo la pierna"],
                         ["no me he caido", "sin debilidad"]),
        "new_numbness": (["tengo la pierna entumecida", "siento hormigueo en los pies", "se me duerme el pie",
                          "tengo entumecimiento en la pierna"],
                         ["sin hormigueo", "no tengo entumecimiento"]),
        "bladder_bowel": (["no puedo orinar", "no controlo la orina", "me orine encima"], []),
        "calf_pain_swelling": (["me duele la pantorrilla", "tengo la pierna hinchada", "el tobillo hinchado",
                                "la pantorrilla hinchada"],
                               ["la pantorrilla esta bien"]),
        "chest_pain_breathless": (["me falta el aire", "dolor en el pecho", "me duele el pecho", "no puedo respirar",
                                   "me cuesta respirar"],
                                  ["no me falta el aire", "no tengo dolor de pecho", "sin dolor de pecho"]),
        "trouble_swallowing": (["no puedo tragar", "me cuesta tragar"], []),
        "uncontrolled_pain": (["las pastillas no me ayudan", "el dolor es insoportable"], []),
    },
}
PAIN = {
    "en": ["pain {n}", "pain is {n}", "pain is about a {n}", "my pain is like a {n}", "{d}/10", "{n} out of 10",
           "pain {n} out of 10", "pain level {n}", "pain today {n}", "pain's at a {n}", "Pain: {n}", "pain around {n}"],
    "es": ["dolor {n}", "me duele {n}", "el dolor esta en {n}", "dolor de {n}", "{n} de 10", "mi dolor es como un {n}",
           "dolor: {n}", "el dolor está en un {n}"],
}
NO_PAIN = {"en": ["no pain", "no pain today", "pain free"], "es": ["sin dolor", "no me duele nada"]}
WALK = {
    "en": ["walked {m} minutes", "walked for {m} min", "{m} minute walk", "walking {m} mins", "walked about {m} minutes",
           ("walked an hour", 60), ("walked half an hour", 30), ("walked for an hour", 60)],
    "es": ["camine {m} minutos", "caminé {m} minutos", "camine como {m} minutos", ("camine media hora", 30),
           ("camine una hora", 60)],
}
STEPS = {"en": ["{s} steps", "steps {s}", "took {s} steps", "walked {s} steps"], "es": ["{s} pasos", "pasos {s}", "di {s} pasos"]}
STEP_COUNTS = [1200, 2500, 3000, 4800, 6000]
OPIOIDS = {
    "en": [("no opioids", False), ("took an oxycodone", True), ("no pain pills", False), ("still taking percocet", True),
           ("opioids no", False), ("didn't take any oxy", False), ("took my norco", True)],
    "es": [("no tome opioides", False), ("tome oxicodona", True), ("sin opioides", False), ("opioides no", False),
           ("sigo tomando oxicodona", True)],
}
GREETINGS = {"en": ["", "", "hi", "good morning", "hello", "hey"], "es": ["", "", "hola", "buenos dias", "buenas tardes"]}
CLOSINGS = {"en": ["", "", "thanks", "thank you"], "es": ["", "", "gracias"]}
# Asides a reader cannot record: a reply with one needs a nurse (complete False).
ASIDES = {
    "en": ["the dog kept me up", "when is my next appointment", "can I take a shower", "slept badly", "yesterday was worse",
           "my daughter is helping me"],
    "es": ["no dormi bien", "cuando es mi cita", "ayer fue peor", "mi hija me ayuda"],
}
JOINS = {"en": [", ", ". ", " and ", "\n", ", "], "es": [", ", ". ", " y ", "\n", ", "]}
SIDES = {"en": ["left", "right"], "es": [""]}


def _misspell(rng: random.Random, text: str) -> str:
    """One long word with a letter dropped, doubled or swapped with the next one."""
    words = text.split(" ")
    long_words = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    if not long_words:
        return text
    i = rng.choice(long_words)
    w = words[i]
    k = rng.randrange(1, len(w) - 1)
    how = rng.choice(["drop", "double", "swap"])
    if how == "drop":
        w = w[:k] + w[k + 1 :]
    elif how == "double":
        w = w[:k] + w[k] + w[k:]
    else:
        w = w[:k] + w[k + 1] + w[k] + w[k + 2 :]
    words[i] = w
    return " ".join(words)


def _fill(rng: random.Random, template: str, language: str) -> str:
    return template.format(
        F_HIGH=rng.choice(F_HIGH), F_LOW=rng.choice(F_LOW), C_HIGH=rng.choice(C_HIGH), C_LOW=rng.choice(C_LOW),
        side=rng.choice(SIDES[language]),
    ).replace("  ", " ")


def _number(rng: random.Random, n: int, words: list[str] | dict) -> str:
    return words[n] if rng.random() < 0.45 else str(n)


def _reply(rng: random.Random, language: str) -> dict:
    parts: list[tuple[str, dict]] = []
    kinds = rng.sample(["pain", "walk", "steps", "opioids", "symptom", "symptom2", "denial"], rng.randint(1, 3))
    codes = list(SYMPTOMS[language])
    used_codes: set[str] = set()
    for kind in kinds:
        if kind == "pain":
            if rng.random() < 0.1:
                parts.append((rng.choice(NO_PAIN[language]), {"pain": 0}))
            else:
                n = rng.randint(0, 10)
                template = rng.choice(PAIN[language])
                words = EN_NUMBERS if language == "en" else ES_NUMBERS
                parts.append((template.format(n=_number(rng, n, words), d=n), {"pain": n}))
        elif kind == "walk":
            choice = rng.choice(WALK[language])
            if isinstance(choice, tuple):
                parts.append((choice[0], {"walking_minutes": choice[1]}))
            else:
                m = rng.choice(list(EN_TENS))
                parts.append((choice.format(m=_number(rng, m, EN_TENS if language == "en" else ES_TENS)), {"walking_minutes": m}))
        elif kind == "steps":
            s = rng.choice(STEP_COUNTS)
            shown = f"{s:,}" if language == "en" and rng.random() < 0.3 else str(s)
            parts.append((rng.choice(STEPS[language]).format(s=shown), {"steps": s}))
        elif kind == "opioids":
            text, value = rng.choice(OPIOIDS[language])
            parts.append((text, {"opioid_use": value}))
        else:
            code = rng.choice([c for c in codes if c not in used_codes])
            used_codes.add(code)
            positive, negated = SYMPTOMS[language][code]
            if kind == "denial" and negated:
                parts.append((_fill(rng, rng.choice(negated), language), {}))
            else:
                parts.append((_fill(rng, rng.choice(positive), language), {"symptoms": [code]}))
    complete = True
    if rng.random() < 0.15:
        parts.append((rng.choice(ASIDES[language]), {}))
        complete = False
    rng.shuffle(parts)
    texts = [t for t, _ in parts]
    if rng.random() < 0.25:
        k = rng.randrange(len(texts))
        texts[k] = _misspell(rng, texts[k])
    body = texts[0]
    for text in texts[1:]:
        body += rng.choice(JOINS[language]) + text
    greeting, closing = rng.choice(GREETINGS[language]), rng.choice(CLOSINGS[language])
    body = (f"{greeting}, " if greeting else "") + body + (f". {closing}" if closing else "")
    if rng.random() < 0.5:
        body = body[:1].upper() + body[1:]
    expected: dict = {"complete": complete}
    for _, e in parts:
        for key, value in e.items():
            if key == "symptoms":
                expected.setdefault("symptoms", []).extend(value)
            else:
                expected[key] = value
    return {"text": body, "language": language, "split": "generated", "expected": expected}


def generate(*, count: int = 600, seed: int = 11) -> list[dict]:
    rng = random.Random(seed)
    return [_reply(rng, "en" if i % 2 == 0 else "es") for i in range(count)]


if __name__ == "__main__":
    import json

    for entry in generate(count=20):
        print(json.dumps(entry, ensure_ascii=False))
