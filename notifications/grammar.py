"""Reading a patient's SMS: carrier keywords (STOP, START, HELP) and check-in replies written as
patients write them, in English and Spanish. Pure: text in, a plain reading out.

    "4", "7/10", "seven out of ten", "Pain is about a 6 today", "me duele 7"   -> pain
    "walked 20 min", "20 minute walk", "camine media hora"                     -> walking minutes
    "3000 steps", "tres mil pasos"                                              -> steps
    "no opioids", "took one oxycodone", "sigo tomando oxicodona"               -> opioid use
    "temp 101", "38.5 fever", "my incision is leaking", "can't pee",
    "me falta el aire", "leg gave out"                                          -> red-flag codes
    "no fever", "fever is gone", "not short of breath", "no me falta el aire"  -> no red flag

How a reply is read:
1. Accents and apostrophes go, case goes, number words become digits (text2num's `alpha2digit`, in the
   reply's likely language, then the other), "N out of 10" / "N de 10" become "N /10".
2. The text is cut into tokens; words that carry no meaning here ("is", "my", "about", "el", "de") are
   set aside as understood. What is left is read left to right: red-flag phrases first (so that
   "chest pain" is a symptom, not a pain score), then a name and its number ("pain 6", "walked 20
   min", "steps 900"), a number and its name ("3000 steps", "6/10"), a temperature, opioids.
3. A red flag is negated by a negation a few words before it in the same clause ("no fever", "I don't
   have chills", "sin fiebre ni escalofrios"), or by a word of resolution after it ("fever is gone").
   A comma, "but" or "pero" ends the reach. Where the reply may report a red flag and the reading
   cannot settle it ("fever?", "I don't think I have a fever", "101.5" alone), safety wins: the red
   flag is recorded and the reading is marked incomplete.
4. Numbers that are no pain are set aside first: clock times ("at 7 pm", "a las 9"), day counts ("day
   3", "hace 8 dias"), counts ("2 pills", "2 laps"). A red flag followed by a clause that says it has
   gone ("not anymore", "pero ya no") is none, for a nurse to read. A clause about a part tied to one red
   flag (the breath, urine, the wound, the throat) that cannot be read is that red flag, uncertain.
5. `complete` is True only when every token was accounted for and nothing was uncertain; such a reply
   needs no nurse to read it. Anything else is `complete=False`: those are shown to a nurse.

A red flag read too eagerly costs a nurse a call; one missed may cost the patient. Numbers count only
in the grammar's places: a number the reading cannot place leaves the reply incomplete, never a pain.
The corpus it is measured on, and the figures, are in notifications/corpus/ and docs/sms.md.
"""

import functools
import re
import unicodedata
from dataclasses import dataclass, field

from text_to_num import alpha2digit

from recovery.choices import Symptom

# Twilio's default opt-out, opt-in and help keywords (whole message, any case), and Spanish ones.
OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "PARAR", "BAJA", "CANCELAR"})
OPT_IN_WORDS = frozenset({"START", "UNSTOP", "YES", "INICIAR", "ALTA"})
HELP_WORDS = frozenset({"HELP", "INFO", "AYUDA"})


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that carry no meaning of their own here: set aside as understood before anything is read.
FILLER = _words(
    """i im ive id me my mine a an the is are am was were be been being have has had having got get getting
    it its this that these those there theres here of in on at to for from with by also too so very really
    pretty quite bit little some kind sort just still today tonight now currently right morning afternoon
    evening feel feels feeling felt seems seem looks look looking like about around approximately approx roughly
    both left side lower upper your all any as well do did does doing again level score rating overall
    please went go going took take taking takes on anymore doing can could day dia say
    maybe might may possibly probably prob think guess
    yo mi mis el la los las lo un una unos unas de del en con por para e que es esta estan estoy son fue era
    tengo tiene tenia hay muy poco algo hoy ahora todavia aun tambien siento sigo se le al nivel como tome tomo
    tomando tomar he ha ve veo di dio durante casi mas menos sobre unos aproximadamente nomas quizas quiza talvez creo parece ya
    clocktime daycount tener tenia tenido tuve tuvo tenemos
    sta q tmb tb pa u ur r w pls plz bc cuz tonite todo toda todos todas weathercold"""
)
# Someone writing for the patient ("my mom's pain is 6", "mi esposo se cayo"): the reply is read as the
# patient's own, and these words are understood.
CAREGIVER_WORDS = _words(
    """mom moms mother mothers mum mums dad dads father fathers husband husbands wife wifes son sons daughter daughters
    she shes he hes her his him says said patient mama mami madre papa papi padre esposo esposa marido hijo hija su sus
    dice dijo"""
)
FILLER = FILLER | CAREGIVER_WORDS
# Greetings and how-are-you words: understood, and meaning nothing to record.
COURTESY = _words(
    """hi hello hey thanks thank you thx ty ok okay good great fine better well alright doing nicely healing healed
    hola gracias bien mejor buenos buenas dias tardes noches greeting saludos"""
)
# Words of a clause that end the reach of a negation and of a description ("no fever, calf swollen").
HARD_BREAKS = frozenset({".", ";", "!", "?", "but", "pero", "though", "although", "however", "aunque", "sino", "then", "luego", "\n"})
SOFT_BREAKS = frozenset({","})
LIST_JOINS = frozenset({"or", "nor", "ni", "o", "/"})
AND_WORDS = frozenset({"and", "y", "plus", "&"})
NEGATIONS = _words(
    """no not without sin never nunca ni nor dont doesnt didnt havent hasnt hadnt isnt arent wasnt werent none
    denies deny nope nolonger nomore yano ningun ninguna ninguno wont"""
)
# Hedges (set aside as understood, but a reply with one is read as uncertain); "unsure" is also what
# "don't think", "not sure", "no creo" become: a negation that is no denial ("I don't think I have a
# fever" stays a red flag).
HEDGES = _words("maybe might may possibly probably prob think guess quizas quiza talvez creo parece unsure")
# After a symptom, in its clause: it has gone ("fever is gone", "la fiebre se fue", "breathing fine").
RESOLVED = _words(
    "gone wentaway broke stopped resolved fine ok okay good normal free sefue sequito yapaso desaparecio bien healing healed well"
    " dry clean closed seca seco limpia limpio cerrada cerrado"
)
# Words that may stand between a negation and the red flag it denies ("no new numbness", "no signs of
# infection", "no tengo nada de fiebre"); any other word there leaves the denial uncertain.
_NEGATION_BRIDGE = _words(
    """new more real sign signs signo signos nada any notice noticed see seen evidence symptoms sintomas trouble problems
    problem issues issue pain pains dolor calf leg legs swelling redness"""
)
# A clause of these alone after a red flag says it has gone: "not anymore", "ya no", "no longer".
_NO_LONGER = _words("not no yano nolonger nomore")
# Negations reach this many meaningful words ahead ("I don't have a fever": have and a are set aside).
NEGATION_REACH = 3

# Two-word expressions made one token before reading, so that each is read as one thing.
_COMPOUNDS = [
    # Inability first: "ya no puedo caminar", "can no longer walk" say "cannot", not "no more".
    # Closings are no resolution of what came before ("my calf hurts, have a good night").
    (r"\b(?:have a )?good (?:night|evening|morning|afternoon|day)\b", "greeting"), (r"\bbuen(?:os|as) (?:dias|tardes|noches)\b", "greeting"),
    (r"\bno puedo\b", "nopuedo"), (r"\bno pude\b", "nopuedo"),
    # The same said of someone else, or of a while: "mi esposo no puede orinar", "no he podido orinar".
    (r"\bno (?:puede|pueden|podia|pudo|(?:he|ha|hemos|han) podido)\b", "nopuedo"),
    (r"\b(?:havent|hasnt|have not|has not|wasnt|was not|werent|not) been able to\b", "cant"),
    (r"\b(?:can no longer|no longer able to|not able to|(?:can )?(?:barely|hardly))\b", "cannot"),
    (r"\bhard time\b", "hard"), (r"\b(?:dont|do not|didnt|did not) know\b", "unsure"),
    # Emphasis, not denial: "never been this short of breath", "never felt so weak".
    (r"\bnever (?:been|felt|had|seen)(?: it)? (?:this|so|such)\b", "really"),
    (r"\bno longer\b", "nolonger"), (r"\bno more\b", "nomore"), (r"\bya no\b", "yano"), (r"\bgone away\b", "wentaway"),
    (r"\bwent away\b", "wentaway"), (r"\bse fue\b", "sefue"), (r"\bse (?:me )?quito\b", "sequito"),
    (r"\bya (?:se )?paso\b", "yapaso"), (r"\bpins (?:and|n|&) nee?d\w*", "pinsandneedles"), (r"\btal vez\b", "talvez"),
    (r"\bhalf an hour\b", "halfhour"), (r"\bhalf hour\b", "halfhour"), (r"\bmedia hora\b", "halfhour"),
    (r"\bhora y media\b", "hourandhalf"), (r"\ban hour and a half\b", "hourandhalf"), (r"\bpain free\b", "painfree"),
    (r"\bpain-free\b", "painfree"), (r"\bnada de dolor\b", "painfree"),
    (r"\bstep ?counts?\b", "steps"), (r"\bcame off\b", "cameoff"), (r"\bse (?:me )?(?:cayo|cayeron) (?:el|la|los|las) (?:vendaje|gasa|curita|cinta|tiras)\b", "cameoff"),
    (r"\bhace (?:mucho |un poco de )?frio\b", "weathercold"), (r"\bdown there\b", "groin"), (r"\bfell asleep\b", "asleep"), (r"\bfever-free\b", "fever free"), (r"\bnot sure\b", "unsure"), (r"\bno se si\b", "unsure"),
    (r"\bno estoy segur[oa]\b", "unsure"), (r"\bno creo\b", "unsure"), (r"\b(?:dont|do not|didnt|did not) think\b", "unsure"),
    (r"\b(?:cant|cannot|can not|couldnt|could not|unable to) feel\b", "cantfeel"), (r"\b(?:no|lost|lost the|loss of) feeling\b", "nofeeling"),
    (r"\bno (?:lo |la |los |las |me )?siento\b", "nosiento"), (r"\b(?:cant|cannot|can not|couldnt|could not|unable to)\b", "cant"),
    # "one of those days", "no one", "uno de ellos": "one" that is no number.
    (r"\b(one|uno|una) (of|de)\b", r"\1qq \2"), (r"\bno one\b", "noone"), (r"\b(any|every|some|the) one\b", r"\1 oneqq"),
]


def _held_letters(text: str) -> str:
    """A letter held down ("feverrr", "pasosss", "soooo") as the word of the grammar it stretches: the
    run as one letter, or two where that is the word ("stitchesss" -> "stitches", "chillll" -> "chill")."""

    def fix(match: re.Match) -> str:
        word = match.group(0)
        one = re.sub(r"([a-z])\1{2,}", r"\1", word)
        two = re.sub(r"([a-z])\1{2,}", r"\1\1", word)
        return two if two in _known() and one not in _known() else one

    return re.sub(r"[a-z]*([a-z])\1{2,}[a-z]*", fix, text)


# Clock times and day counts are numbers that are no pain: "at 7 pm", "10:30", "8am", "day 3", "post op
# day 12", "dia 4", "3 days ago", "hace 8 dias", "week 2". They become words that are set aside.
_CLOCK = [
    (r"\b\d{1,2}:\d{2}(?:\s*(?:am|pm|a\.m\.|p\.m\.))?(?![\d])", " clocktime "),
    (r"\b\d{1,2}\s*(?:am|pm|a\.m\.|p\.m\.)(?![a-z])", " clocktime "),
    (r"(?<!all )(?<!todo el )\b(?:post ?op |postop |pod ?)?(?:day|dia|week|semana|pod)\s*#?\s*\d{1,3}(?![\d.,])", " daycount "),
    (r"\b\d{1,3}\s*(?:days?|dias?|weeks?|wks?|semanas?|months?|meses?)\b", " daycount "),
]


def _clock_and_days(text: str) -> str:
    for pattern, replacement in _CLOCK:
        text = re.sub(pattern, replacement, text)
    return text


def _compounds(text: str) -> str:
    for pattern, replacement in _COMPOUNDS:
        text = re.sub(pattern, replacement, text)
    return text


PAIN_WORDS = _words("pain pains painful hurt hurts hurting sore dolor dolores duele duelen doliendo dolio molestia pian pein paine painn")
# A pain word is followed by its value, or by these first ("pain bad, an 8"): understood, never a value.
PAIN_GAP = _words("bad badly mucho : = - at en back neck spine espalda cuello columna lumbar cintura")
PAIN_LOCATIONS = _words("back neck spine espalda cuello columna lumbar cintura")
# A pain that changed: "went from 8 to 5", "bajo de 8 a 5": the later value is the day's.
CHANGE_WORDS = _words("went dropped down came from bajo subio baja sube paso")
PAIN_GAP = PAIN_GAP | CHANGE_WORDS | _words("sitting sits stays staying hovering anda andaba entre somewhere")
# Verbs that give a score: "I'd give it a 4", "le pongo un 6 al dolor".
RATING_WORDS = _words("give rate rated pongo doy daria")
# Where a walk went ("walked around the block for 20 minutes"): understood between the walk and its minutes.
WALK_GAP = _words("block blocks neighborhood neighbourhood hallway hall park outside yard street cuadra parque afuera calle pasillo :")
WALK_WORDS = _words(
    """walk walks walked walking wlked walkd walkt walkin caminar camine camino caminata caminado camina caminando paseo
    pasee paseando andar ande"""
)
STEP_WORDS = _words("steps step stpes setps pasos paso")
MINUTE_WORDS = _words("min mins minute minutes minuts mints m minuto minutos")
HOUR_WORDS = _words("hour hours hr hrs h hora horas")
OPIOID_WORDS = _words(
    """opioid opioids opiod opiods opiate opiates opioide opioides opiaceos opiaceo narcotic narcotics narcoticos
    narcotico oxy oxys oxycodone oxycodon oxicodona oxycontin percocet percocets perc percs norco norcos vicodin
    hydrocodone hidrocodona tramadol dilaudid hydromorphone morphine morfina codeine codeina"""
)
OTHER_MEDICINES = _words("tylenol acetaminophen paracetamol ibuprofen ibuprofeno advil motrin aleve naproxen")
MEDICINE_NOUNS = _words("meds med medication medications medicine pills pill painkillers painkiller pastillas pastilla medicina medicamento medicamentos")
ONLY_WORDS = _words("only just solo solamente")
OPIOID_STOPPED = _words("stopped quit deje off")
YES_WORDS = _words("yes y si true yeah yep")
NO_WORDS = _words("no n none false ninguno nope")
TEMPERATURE_WORDS = _words("temp temps temperature temprature tempature temperatura degrees degree deg grados grado f c fahrenheit celsius °")
COUNT_WORDS = _words("times twice veces laps lap vueltas vuelta blocks cuadras rounds")

# Nouns that a description word binds to, in its clause: "the incision is red" is the wound, "my leg
# is swollen and hot" the calf (a clot), "numb between my legs" the bladder.
WOUND_NOUNS = _words(
    """incision incisions incison incission insision wound wounds cut scar stitches staples dressing bandage site
    herida heridas incision cicatriz puntos grapas vendaje gasa"""
)
LEG_NOUNS = _words("leg legs foot feet ankle ankles thigh knee knees pierna piernas pie pies tobillo tobillos muslo rodilla")
# Parts of the body each tied to one red flag: a clause about one that cannot be read is that red flag.
_PART_FLAGS = {
    **{w: Symptom.CHEST_PAIN_BREATHLESS for w in _words(
        "breath breathe breathing air aire aliento respirar respiro respiracion lungs pulmones chest pecho breastbone sternum esternon heart corazon")},
    **{w: Symptom.BLADDER_BOWEL for w in _words(
        "urine pee peeing peed orina orinar pipi bladder vejiga bowel bowels poop pooping poo popo caca heces stool")},
    **{w: Symptom.WOUND_DRAINAGE for w in WOUND_NOUNS - _words("cut site")},
    **{w: Symptom.TROUBLE_SWALLOWING for w in _words("throat garganta swallow swallowing tragar saliva")},
}
# Words of care and routine about a part, not of a red flag: a clause left with only these is not
# recorded as the part's red flag (it is still for a nurse to read).
_PART_BENIGN = _words(
    """same igual changed change changing cambie cambio cambiar cambiado exercises exercise ejercicios spirometer
    espirometro incentive tube tubo bruise bruised bruising moreton moretones normally normalmente checked looked
    washed lave limpie shower ducha bath banio strips tiras tape cinta cameoff done hecho hechos near cerca can able puedo"""
)
BATHROOM_NOUNS = _words("bathroom toilet restroom washroom potty bano sanitario inodoro")
# Words that say "cannot" or "cannot tell", for the bathroom; "still" after a medicine, for its pain.
_CANNOT = _words("cant nopuedo nosiento cantfeel unsure")
_STILL = _words("still sigo sigue todavia aun")
_EVEN_WITH = _words("even ni")
LIMB_NOUNS = _words("toes toe hand hands arm arms fingers finger dedos dedo mano manos brazo brazos")
GROIN_NOUNS = _words("groin crotch privates genitals saddle buttocks butt entrepierna ingle")
URINE_NOUNS = _words("urine pee peeing orina pipi poop poo popo caca heces stool underwear calzones")
BREATH_NOUNS = _words("breathing breathe breath respirar respiro respiracion")
# A description, and the red flag it is for each noun it may bind to (None: that noun makes it nothing).
_DESCRIPTIONS: dict[str, dict[str, str | None]] = {}
for _word in """red redness hot warm open opened opening leaking leak leaks draining drains drainage oozing oozes ooze pus
    wet weeping seeping bleeding bleeds blood smells smelly stinks smell discharge fluid infected separating split gaping
    soaked roja rojo enrojecida caliente abierta abierto supura supurando sangra sangrando huele mojada liquido infectada
    drena drenando secrecion""".split():
    _DESCRIPTIONS[_word] = {"wound": Symptom.WOUND_DRAINAGE, "leg": None, "urine": None, "none": None}
for _word in """swollen swelling puffy tender hard tight inflamed hinchada hinchado inchada inchado inflamada inflamado dura
    hincharon hincho hinchan hinchados hinchadas inflamados inflamadas swelled""".split():
    _DESCRIPTIONS[_word] = {"wound": Symptom.WOUND_DRAINAGE, "leg": Symptom.CALF_PAIN_SWELLING, "urine": None, "none": None}
for _word in "red roja rojo hot warm caliente".split():
    _DESCRIPTIONS[_word]["leg"] = Symptom.CALF_PAIN_SWELLING
for _word in "leaking leak leaks sale salio escapa".split():
    _DESCRIPTIONS.setdefault(_word, {"wound": Symptom.WOUND_DRAINAGE, "leg": None, "none": None})
    _DESCRIPTIONS[_word]["urine"] = Symptom.BLADDER_BOWEL
for _word in "redder reddish pinker gap hole hueco abertura popped empapada empapado soaking gunk goo crud abriendo".split():
    _DESCRIPTIONS[_word] = {"wound": Symptom.WOUND_DRAINAGE, "leg": None, "urine": None, "none": None}
# A leg bigger than the other is swollen; a foot or hand asleep is numb.
for _word in "bigger larger thicker gruesa grueso huge enorme enormes gordo gorda".split():
    _DESCRIPTIONS[_word] = {"wound": None, "leg": Symptom.CALF_PAIN_SWELLING, "urine": None, "none": None}
for _word in "cotton algodon trapo".split():
    _DESCRIPTIONS[_word] = {"wound": None, "leg": Symptom.NEW_NUMBNESS, "limb": Symptom.NEW_NUMBNESS, "urine": None, "none": None}
# Wet underwear, a soaked bed: urine.
for _word in "wet soaked mojada mojado mojados mojadas".split():
    _DESCRIPTIONS.setdefault(_word, {"wound": Symptom.WOUND_DRAINAGE, "leg": None, "none": None})["urine"] = Symptom.BLADDER_BOWEL
# Itching is healing, not a red flag: understood where it is said of a part.
for _word in "itch itchy itches itching pica pique picazon comezon".split():
    _DESCRIPTIONS[_word] = {"wound": None, "leg": None, "limb": None, "urine": None, "none": None}
for _word in "jelly gelatina wobbly shaky flojas flojo floja flojos floppy flops drags".split():
    _DESCRIPTIONS[_word] = {"wound": None, "leg": Symptom.NEW_WEAKNESS, "limb": Symptom.NEW_WEAKNESS, "urine": None, "none": None}
for _word in "asleep".split():
    _DESCRIPTIONS[_word] = {"wound": None, "leg": Symptom.NEW_NUMBNESS, "limb": Symptom.NEW_NUMBNESS, "urine": None, "none": None}
# Descriptions that name drainage on their own ("it's oozing").
for _word in "leaking draining drainage oozing pus discharge supura supurando secrecion drenando".split():
    _DESCRIPTIONS[_word]["none"] = Symptom.WOUND_DRAINAGE

# Everyday wordings of each red flag in patients' words (clinical.md's table): falls, feet asleep, a
# leg that will not hold, breath that hurts, food that will not go down, pills that do nothing.
_MORE_PHRASES: dict[str, list[str]] = {
    Symptom.FEVER: ["burning up", "shivering", "shivers", "shiver", "shaking", "afiebrado", "afiebrada", "febril", "tiemblo",
                    "temblando", "temblaba", "temblores", "temblor", "frio", "freezing", "calosfrios", "calosfrio"],
    Symptom.WOUND_DRAINAGE: ["se abrieron", "abrieron", "se abrio", "stitches popped", "came undone"],
    Symptom.NEW_WEAKNESS: [
        "slipped", "slip", "tumble", "hit floor", "ended up floor", "wont hold", "wont hold up", "wont support", "cant hold up",
        "walking harder", "harder walk", "harder walking", "walking hard", "cayo", "cayeron", "resbale",
        "resbalo", "resbalaron", "arrastro", "arrastra", "arrastrando", "nopuedo levantar", "no sostiene", "no me sostiene",
        "leg quit", "legs quit", "knee quit", "knees quit", "gave up on me", "fui suelo", "cai suelo", "hit ground", "cant stand up", "cant get up",
        "nopuedo levantarme", "nopuedo pararme", "no responden", "no responde", "dont respond", "not responding", "wont move",
        "no aguanto parado", "no aguanto pie", "collapsed", "collapse", "desplome", "desplomo", "losing balance", "lose balance",
        "lost balance", "pierdo equilibrio", "perdi equilibrio",
    ],
    Symptom.NEW_NUMBNESS: ["entume", "entumen", "entumio", "entumece", "entumecen", "cosquilleo", "cosquillas", "hormiguea",
                           "adormece", "adormecen"],
    Symptom.BLADDER_BOWEL: [
        "hasnt peed", "hasnt urinated", "wet bed", "peed bed", "wet the bed", "nothing comes out", "nothing came out",
        "nothing coming out", "orino sin querer", "orine sin querer", "sin querer orina", "hice encima", "me hice encima",
    ],
    Symptom.CHEST_PAIN_BREATHLESS: [
        "hurts deep breath", "hurt deep breath", "pain deep breath", "painful deep breath", "hurts breathe", "hurts breathing",
        "hurts breath", "duele respirar", "gasping", "gasping air", "gasp", "cuesta trabajo respirar", "respiro dificultad",
        "respirar dificultad", "respira mal", "respira dificultad", "suffocating", "suffocate", "sofoco", "asfixia", "asfixio",
        "huffing puffing", "huffing and puffing",
    ],
    Symptom.TROUBLE_SWALLOWING: [
        "choke", "chokes", "choking", "atraganto", "atraganta", "atragantando", "hard food down", "cant food down",
        "food wont go down", "pasar comida", "cuesta pasar comida", "no pasa comida", "stuck throat", "atorada garganta",
        "wrong way", "wrong pipe", "lump throat", "gagging", "gag", "gags", "nopuedo pasar",
    ],
    Symptom.UNCONTROLLED_PAIN: [
        "no hacen nada", "no hace nada", "aguanto dolor", "yano aguanto dolor", "no aguanto dolor", "cant stand pain",
        "cant bear pain", "cant handle pain", "dont touch it", "not doing anything", "no calma", "no se calma", "pain wont quit",
        "pain wont go away", "max dose", "maximum dose", "through roof", "yano hace nada", "yano hacen nada", "yano ayuda", "yano ayudan",
        "yano sirve", "yano sirven", "yano funciona", "yano funcionan", "yano hace efecto", "yano hacen efecto",
    ],
}
# Words that may stand inside a red-flag phrase without changing it: "me cuesta mucho caminar", "the
# pills don't even touch it".
_INTENSIFIERS = _words("mucho much even really bad badly more")

# Phrases (after set-aside words are removed, accents gone) that name a red flag; longest first.
# Written with set-aside words left out: "me falta el aire" is "falta aire".
SYMPTOM_PHRASES: dict[tuple[str, ...], str] = {}
for _code, _phrases in {
    Symptom.FEVER: [
        "fever", "fevers", "feverish", "fevr", "fver", "feaver", "fevor", "chills", "chill", "chils", "shaking chills",
        "running temp", "running temperature", "running fever", "fiebre", "fiebres", "fiebr", "fievre", "escalofrios", "escalofrio",
        "calentura", "sweats", "night sweats",
    ],
    Symptom.WOUND_DRAINAGE: ["infection", "infeccion", "came open", "coming apart", "opened up", "came apart", "se abrio", "yellow stuff"],
    Symptom.NEW_WEAKNESS: [
        "weakness", "weak", "weaker", "weeak", "debilidad", "debil", "debiles", "fell", "fall", "falls", "fallen", "falling",
        "tripped", "cai", "caido", "caida", "gave out", "gave way", "giving out", "giving way", "buckled", "buckling",
        "cant walk", "trouble walking", "hard walking", "cannot walk", "cannot move", "cant move", "hard walk", "difficulty walking", "cant lift",
        "dragging", "foot drop", "no puedo caminar", "cuesta caminar", "no fuerza", "sin fuerza",
        "no tengo fuerza", "doblo", "doblan", "doblaron", "no sostienen",
    ],
    Symptom.NEW_NUMBNESS: [
        "numb", "numbness", "numbnes", "numbess", "tingling", "tingly", "tingle", "tingles", "pinsandneedles",
        "cantfeel", "nofeeling", "entumecido", "entumecida", "entumecimiento",
        "entumido", "entumida", "adormecido", "adormecida", "dormida", "dormido", "duerme", "duermen", "hormigueo",
        "hormigas", "nosiento",
    ],
    Symptom.BLADDER_BOWEL: [
        "bladder", "bowel", "bowels", "incontinence", "incontinent", "cant pee", "cant urinate", "havent peed", "not peed", "havent urinated", "trouble peeing",
        "trouble urinating", "hard pee", "peed myself", "wet myself", "pooped myself", "pooped pants", "peed pants",
        "soiled", "accident", "accidents", "lost control", "cant control", "cant hold", "no puedo orinar",
        "no puedo hacer pipi", "no puedo mear", "no puedo hacer bano", "no puedo ir bano", "no puedo hacer popo", "no he orinado", "no orino", "orine encima", "hice pipi", "hice popo", "no controla", "nopuedo controlar",
        "no controlo", "incontinencia", "vejiga", "intestino", "no aguanto", "perdi control",
    ],
    Symptom.CALF_PAIN_SWELLING: ["calf", "calves", "calve", "pantorrilla", "pantorrillas", "chamorro", "cramps calf", "calambres pantorrilla"],
    Symptom.CHEST_PAIN_BREATHLESS: [
        "chest", "chest pain", "chest hurts", "breathless", "short breath", "shortness breath", "sob", "out breath",
        "cant breathe", "cant catch breath", "hard breathe", "hard breathing",
        "trouble breathing", "difficulty breathing", "struggling breathe", "struggling breathing", "winded",
        "heavy breathing", "breathing hard", "breathing heavy", "hard breathing", "cant breath",
        "pecho", "dolor pecho", "duele pecho", "falta aire", "falta respiracion", "falta aliento", "sin aire", "ahogo", "ahogada", "ahogado", "no puedo respirar",
        "cuesta respirar", "dificultad respirar", "respiro mal", "no respiro",
    ],
    Symptom.TROUBLE_SWALLOWING: [
        "swallowing", "swallow", "swalow", "swallowed", "food stuck", "food gets stuck", "food sticks", "choking food",
        "tragar", "trago", "atora comida",
    ],
    Symptom.UNCONTROLLED_PAIN: [
        "uncontrolled", "pain not controlled", "not controlled", "out control", "unbearable", "excruciating",
        "cant control pain", "nothing helps", "nothing helping", "not helping", "arent helping", "dont help",
        "doesnt help", "not working", "arent working", "dont work", "doesnt work", "dont touch", "no help",
        "incontrolable", "descontrolado", "insoportable", "dolor no controlado", "no ayudan", "no ayuda",
        "no hacen efecto", "no hace efecto", "no quitan dolor", "no quita dolor", "no sirven", "no funcionan",
        "no se quita",
    ],
}.items():
    for _phrase in _phrases + _MORE_PHRASES.get(_code, []):
        SYMPTOM_PHRASES[tuple(w for w in _compounds(_phrase).split() if w not in FILLER)] = _code
_LONGEST_PHRASE = max(len(p) for p in SYMPTOM_PHRASES)
# Phrases that say "cannot" themselves: a word after them ("no puedo tragar bien") does not resolve them.
_INABILITY = _words("cant nopuedo no trouble hard difficulty dificultad cuesta lost havent not sin nothing out arent dont doesnt")
# Words that describe a red flag in its clause ("trouble swallowing", "chest feels heavy", "food gets
# stuck"): understood there, and only there.
MODIFIERS = _words(
    """trouble hard difficult difficulty problem problems issues issue bad badly severe terrible new some lot heavy tight
    tightness pressure worse getting started start cant nopuedo slight mild low grade high really again sudden suddenly
    keeps keep stuck gets when lying down up stairs walking sitting standing touch cuesta dificultad problemas mal
    fuerte mucho nuevo nueva peor hands hand arms arm fingers toes knee knees hip brazo brazos mano manos dedos rodilla
    area cramps cramp calambres calambre"""
)
# Hedged red-flag words: mentioned, uncertain ("had an accident" may be a car's).
_UNCERTAIN_PHRASES = {("accident",), ("accidents",), ("sweats",), ("night", "sweats"), ("not", "helping"), ("not", "working"), ("no", "help")}

# Misspellings are corrected towards the words the grammar reads (see _fuzzy), except these: one
# letter from a common word ("steps"/"stops", "pasos"/"pesos", "caliente"/"cliente").
_NOT_FUZZY = _words("steps pasos paso weak stops caliente")
_VOWELS = frozenset("aeiou")
# Each letter's neighbours on a phone's keyboard: a slip of the finger ("edcalofrios", "walkimg").
_KEYBOARD = {
    row[i]: row[max(0, i - 1) : i] + row[i + 1 : i + 2] for row in ("qwertyuiop", "asdfghjkl", "zxcvbnm") for i in range(len(row))
}


@dataclass(frozen=True)
class Reading:
    """What an inbound SMS says: a keyword (`opt_out`, `opt_in`, `help`), a `checkin` with fields, or
    `text` (nothing we can record). `complete` is False when some part was not understood, or was
    uncertain; `uncertain_symptoms` are red flags recorded because the reply may report them and the
    reading cannot settle it (safety wins: they are in `fields["symptoms"]` too)."""

    kind: str
    fields: dict = field(default_factory=dict)
    complete: bool = True
    uncertain_symptoms: tuple[str, ...] = ()


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def _keyword(text: str) -> str:
    return re.sub(r"[^A-Za-z]+", "", text).upper() if len(text) <= 20 else ""


# --- numbers written as words -------------------------------------------------------------------------

_SPANISH_MARKS = _words(
    """el la los las de del y que con sin me mi tengo esta estoy es muy hoy dolor duele camine caminar pasos fiebre
    herida pierna piernas pie pies pecho ya pero un una como en por para siento se bien gracias hola nada mucho poco
    cuando no"""
)
_ENGLISH_MARKS = _words("the i my is and to of a pain walked walk steps fever have im it today not no with was feel but")
# Words text2num would read as numbers where they are not: Spanish "un poco", ordinals ("first walk"),
# English "once" read as Spanish 11, Spanish "ten" (have) read as English 10.
_KEEP_ALWAYS = _words("un una unos unas primer primero primera segundo segunda tercer tercero tercera first second third")
_KEEP_IN = {"en": _words("once"), "es": _words("ten")}


def _language(words: list[str]) -> str:
    spanish = sum(w in _SPANISH_MARKS for w in words)
    english = sum(w in _ENGLISH_MARKS for w in words)
    return "es" if spanish > english else "en"


def _digits(text: str) -> str:
    """Number words as digits, in the likely language of the reply, then in the other."""
    words = re.findall(r"[a-z]+", text)
    first = _language(words)
    second = "en" if first == "es" else "es"
    kept = _KEEP_ALWAYS | _KEEP_IN[first]
    text = _misspelt_numbers(text, first)
    masked = re.sub(r"[a-z]+", lambda m: f"{m.group(0)}qq" if m.group(0) in kept else m.group(0), text)
    for language in (first, second):
        try:
            masked = alpha2digit(masked, language, threshold=0)
        except (ValueError, RuntimeError):  # the library refuses odd input; the words stay words
            pass
    return re.sub(r"([a-z]+)qq\b", r"\1", masked)


# --- tokens ---------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[a-z]+|[.;!?,/:=\-°&\n]")


@dataclass
class _Token:
    text: str
    number: float | None = None
    thousands: bool = False  # "3.000" or "2,300": a thousands separator, read only next to steps
    used: bool = False
    understood: bool = False


def _number(raw: str) -> tuple[float | None, bool]:
    if re.fullmatch(r"\d{1,6}", raw):
        return float(raw), False
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", raw):
        return float(raw.replace(",", "")), True
    if re.fullmatch(r"\d{1,3}\.\d{3}", raw):
        return float(raw), True  # "3.000": 3 or 3,000 (Spanish); steps read it as 3,000
    if re.fullmatch(r"\d{1,3}[.,]\d{1,2}", raw):
        return float(raw.replace(",", ".")), False
    return None, False


def _tokens(text: str) -> list[_Token]:
    tokens = []
    for raw in _TOKEN.findall(text):
        if raw[0].isdigit():
            value, thousands = _number(raw)
            tokens.append(_Token(raw, value, thousands))
        else:
            tokens.append(_Token(raw))
    return tokens


def _edits_match(word: str, target: str) -> bool:
    """Whether `word` is `target` with one letter added, dropped, two neighbours swapped, or one vowel changed."""
    if len(target) == len(word):
        diff = [i for i in range(len(word)) if word[i] != target[i]]
        if len(diff) == 1:
            a, b = word[diff[0]], target[diff[0]]
            return (a in _VOWELS and b in _VOWELS) or b in _KEYBOARD.get(a, "")
        return len(diff) == 2 and diff[1] == diff[0] + 1 and word[diff[0]] == target[diff[1]] and word[diff[1]] == target[diff[0]]
    if abs(len(target) - len(word)) != 1:
        return False
    longer, shorter = (target, word) if len(target) > len(word) else (word, target)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


_TARGETS: dict[str, list[str]] = {}
_SHORT_TARGETS = PAIN_WORDS | STEP_WORDS | _words("score")


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}

_MEANINGS = (FILLER | COURTESY, PAIN_WORDS, WALK_WORDS, MINUTE_WORDS, OPIOID_WORDS, MEDICINE_NOUNS, WOUND_NOUNS, LEG_NOUNS,
             frozenset(w for phrase in SYMPTOM_PHRASES for w in phrase), frozenset(_DESCRIPTIONS))


# Words whose other forms mean something else: "frio" (chills) is not "agua fria", "compresas frias".
_NOT_INFLECTED = _words("frio")


def _inflected(word: str, known: frozenset[str]) -> str | None:
    """The grammar's word that `word` inflects: a plural or the other gender ("rojos", "calientes",
    "hinchadas", "dormidos" -> "rojo", "caliente", "hinchada", "dormido")."""
    if len(word) < 4:
        return None
    forms = []
    if word.endswith("es"):
        forms.append(word[:-2])
    if word.endswith("s"):
        forms.append(word[:-1])
    base = word[:-1] if word.endswith("s") else word
    if base[-1:] in {"o", "a"}:
        forms.append(base[:-1] + ("a" if base[-1] == "o" else "o"))
    return next((f for f in forms if f in known and f not in _NOT_INFLECTED), None)


def _fuzzy(word: str) -> str | None:
    """The word of the grammar that `word` misspells ("chils", "insoportalbe", "pirena"), if exactly one is.

    Only words of 5 letters or more, towards words of 5 or more: shorter ones are too often another
    word. The misspelling of a red-flag word is then read as the red flag; one that is two edits away
    is not read, and leaves the reply incomplete for a nurse.
    """
    if not 4 <= len(word) <= 20 or not word.isalpha():
        return None
    if not _TARGETS:
        # Each target under itself and each of its one-letter deletions: a word one edit away shares one.
        for target in _known() - _NOT_FUZZY:
            if len(target) >= 5 and target.isalpha():
                for key in {target} | _deletions(target):
                    _TARGETS.setdefault(key, []).append(target)
    candidates = {t for key in {word} | _deletions(word) for t in _TARGETS.get(key, ())}
    found = sorted(t for t in candidates if _edits_match(word, t))
    if len(word) == 4:
        # Four letters: only a letter dropped from a five-letter word of pain
        # ("dlor", "dolr"); other four-letter words are too often another word ("call" is not "callo").
        found = [t for t in found if len(t) == 5 and t in _SHORT_TARGETS]
    if len(found) == 1:
        return found[0]
    # Several candidates of one meaning ("walkde": walked or walkd) are as good as one.
    for meaning in _MEANINGS:
        if found and all(t in meaning for t in found):
            return found[0]
    return None


# Unknown words offered to text2num in one reply, at most: each costs about 0.3 ms, and a reply is
# read inside Twilio's webhook.
_PROBE_WORDS = 8


def _misspelt_numbers(text: str, language: str) -> str:
    """Number words with one letter wrong ("fiften", "treina", "qiunce") as text2num reads them: each
    one-letter change of an unknown word of 6 letters or more is offered to text2num, and kept when it
    reads it as a number."""
    known = _known()
    budget = [_PROBE_WORDS]

    def fix(match: re.Match) -> str:
        word = match.group(0)
        if not 6 <= len(word) <= 14 or word in known or budget[0] <= 0:
            return word
        budget[0] -= 1
        return _number_word(word, language)

    return re.sub(r"[a-z]+", fix, text)


@functools.lru_cache(maxsize=4096)
def _number_word(word: str, language: str) -> str:
    """The number word that `word` misspells by one letter, or `word` itself (kept: the same unknown
    words come back in reply after reply, and each costs text2num a few hundred calls)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    candidates = {word[:i] + word[i + 1 :] for i in range(len(word))}
    candidates |= {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
    candidates |= {word[:i] + c + word[i:] for i in range(len(word) + 1) for c in letters}
    for candidate in sorted(candidates):
        for lang in (language, "en" if language == "es" else "es"):
            try:
                if re.fullmatch(r"\d+", alpha2digit(candidate, lang, threshold=0)):
                    return candidate
            except (ValueError, RuntimeError):
                continue
    return word


_KNOWN: frozenset[str] = frozenset()


def _known() -> frozenset[str]:
    global _KNOWN
    if not _KNOWN:
        _KNOWN = (
            FILLER | HARD_BREAKS | SOFT_BREAKS | LIST_JOINS | AND_WORDS | NEGATIONS | HEDGES | RESOLVED | PAIN_WORDS
            | PAIN_GAP | PAIN_LOCATIONS | WALK_WORDS | STEP_WORDS | MINUTE_WORDS | HOUR_WORDS | OPIOID_WORDS
            | OTHER_MEDICINES | MEDICINE_NOUNS | ONLY_WORDS | OPIOID_STOPPED | YES_WORDS | NO_WORDS | TEMPERATURE_WORDS
            | COUNT_WORDS | COURTESY | MODIFIERS | WOUND_NOUNS | LEG_NOUNS | GROIN_NOUNS | URINE_NOUNS | BREATH_NOUNS | frozenset(_DESCRIPTIONS)
            | frozenset(w for phrase in SYMPTOM_PHRASES for w in phrase) | _words("halfhour hourandhalf painfree unsure k mil nada myself")
        )
    return _KNOWN


# --- the reading ------------------------------------------------------------------------------------------


@dataclass
class _Match:
    start: int  # index into the meaningful tokens
    end: int
    code: str | None  # None: a description not yet bound to a noun
    word: str = ""
    resolvable: bool = True
    uncertain: bool = False
    negated: bool = False


class _Reader:
    """One pass over a reply's meaningful tokens (the set-aside words are already understood)."""

    def __init__(self, tokens: list[_Token]):
        self.all = tokens
        self.positions = [k for k, tok in enumerate(tokens) if not tok.understood]
        self.t = [tokens[k] for k in self.positions]
        self.words = [tok.text for tok in self.t]
        self.fields: dict = {}
        self.pains: list[int] = []
        self.matches: list[_Match] = []
        self.uncertain = False
        self._clauses: dict[int, tuple[int, int]] = {}

    # helpers
    def word(self, i: int) -> str:
        return self.words[i] if 0 <= i < len(self.words) else ""

    def num(self, i: int) -> float | None:
        return self.t[i].number if 0 <= i < len(self.t) and not self.t[i].used else None

    def raw_between(self, a: int, b: int) -> list[str]:
        """The set-aside words between meaningful tokens a and b ("8 to 9": ["to"])."""
        return [tok.text for tok in self.all[self.positions[a] + 1 : self.positions[b]]] if 0 <= a < b < len(self.t) else []

    def use(self, *indices: int) -> None:
        for i in indices:
            if 0 <= i < len(self.t):
                self.t[i].used = True

    def clause(self, i: int) -> tuple[int, int]:
        """The clause around token i: from after the last break before it to the next break."""
        if i in self._clauses:
            return self._clauses[i]
        if self.words[i] in HARD_BREAKS | SOFT_BREAKS:
            return i, i  # a break is a clause of its own: it must not join the clauses on either side
        start = i
        while start > 0 and self.words[start - 1] not in HARD_BREAKS | SOFT_BREAKS:
            start -= 1
        end = i
        while end < len(self.words) - 1 and self.words[end + 1] not in HARD_BREAKS | SOFT_BREAKS:
            end += 1
        for j in range(start, end + 1):
            self._clauses[j] = (start, end)
        return start, end

    # 1. red-flag phrases and descriptions
    def find_symptoms(self) -> None:
        i = 0
        while i < len(self.words):
            found = None
            # The phrase's words, with intensifiers inside it passed over ("cuesta mucho caminar").
            at = [i] + [j for j in range(i + 1, min(len(self.words), i + 2 * _LONGEST_PHRASE)) if self.words[j] not in _INTENSIFIERS]
            for length in range(min(_LONGEST_PHRASE, len(at)), 0, -1):
                phrase = tuple(self.words[j] for j in at[:length])
                code = SYMPTOM_PHRASES.get(phrase)
                if code:
                    found = _Match(i, at[length - 1] + 1, code, phrase[0], resolvable=phrase[0] not in _INABILITY or length == 1,
                                   uncertain=phrase in _UNCERTAIN_PHRASES)
                    break
            if found is None and self.words[i] in _DESCRIPTIONS:
                found = _Match(i, i + 1, None, self.words[i])
            if found:
                self.matches.append(found)
                self.use(*range(found.start, found.end))
                i = found.end
            else:
                i += 1

    def bind_descriptions(self) -> None:
        """A description word takes its meaning from the nearest noun in its clause."""
        for match in self.matches:
            if match.code is not None:
                continue
            start, end = self.clause(match.start)
            kinds = []
            for j in range(start, end + 1):
                w = self.words[j]
                kind = ("wound" if w in WOUND_NOUNS else "leg" if w in LEG_NOUNS or w in {"calf", "pantorrilla"} else "urine" if w in URINE_NOUNS
                        else "limb" if w in LIMB_NOUNS else None)
                if kind:
                    kinds.append((abs(j - match.start) - (0.5 if j < match.start else 0), kind))
            kind = min(kinds)[1] if kinds else "none"
            match.code = _DESCRIPTIONS[match.word].get(kind)
            if match.code is None:
                match.code = ""  # the word was read: "my leg is red" alone is no wound
                # A description of nothing ("it's red") is for a nurse, unless denied ("no swelling").
                self.t[match.start].used = kind != "none" or self._negation_before(match.start) == "negated"

    def bathroom(self) -> None:
        """Not able to use the bathroom, or not feeling when one must, is a bladder or bowel red flag ("no
        puedo ir al bano", "I can't tell when I need to go to the bathroom", "no siento cuando tengo que
        ir al bano": the last is no numbness)."""
        for i, w in enumerate(self.words):
            if w not in BATHROOM_NOUNS | URINE_NOUNS:
                continue
            start, end = self.clause(i)
            inability = [j for j in range(start, end + 1) if self.words[j] in _CANNOT and not any(m.start <= j < m.end for m in self.matches)]
            feeling = [m for m in self.matches if start <= m.start <= end and m.code == Symptom.NEW_NUMBNESS and m.word in {"nosiento", "cantfeel"}]
            if not inability and not feeling:
                continue
            for m in feeling:
                m.code = Symptom.BLADDER_BOWEL
            if not any(start <= m.start <= end and m.code == Symptom.BLADDER_BOWEL for m in self.matches):
                self.matches.append(_Match(i, i + 1, Symptom.BLADDER_BOWEL, w, resolvable=False))
            self.use(i, *inability)

    def pain_despite_medicine(self) -> None:
        """A high pain "still" there after the medicine ("took my oxy and the pain is still a 9", "tome la
        medicina y sigo con dolor de 8") may be pain the medication does not relieve: recorded as that,
        uncertain, for a nurse to read."""
        if not self.pains or max(self.pains) < 7 or any(m.code == Symptom.UNCONTROLLED_PAIN for m in self.matches):
            return
        medicine = [k for k, tok in enumerate(self.all) if tok.text in OPIOID_WORDS | MEDICINE_NOUNS]
        if not medicine or self.fields.get("opioid_use") is False:
            return
        # "still" after the medicine, or "even with" just before it ("even with the percocet the pain is a 9")
        after = any(tok.text in _STILL for tok in self.all[medicine[0] + 1 :])
        before = any(tok.text in _EVEN_WITH for tok in self.all[max(0, medicine[0] - 3) : medicine[0]])
        if (after or before) and medicine[0] in self.positions:
            at = self.positions.index(medicine[0])
            self.matches.append(_Match(at, at + 1, Symptom.UNCONTROLLED_PAIN, "still", resolvable=False, uncertain=True))

    def settle_negations(self) -> None:
        real = [m for m in self.matches if m.code]
        for n, match in enumerate(real):
            verdict = self._negation_before(match.start)
            if verdict is None and n > 0:
                # A list after a denial: "no fever, chills or numbness", "sin fiebre ni escalofrios".
                previous = real[n - 1]
                between = self.words[previous.end : match.start]
                # Only bare items make a list: "no fever, my calf hurts" is a new sentence.
                bare = not any(tok.understood for tok in self.all[self.positions[previous.end - 1] + 1 : self.positions[match.start]])
                if previous.negated and between and bare and all(w in LIST_JOINS | SOFT_BREAKS | PAIN_WORDS for w in between):
                    run = [m for m in real[: n + 1] if m.negated or m is match]
                    joins = {w for m in run for w in self.words[m.end : m.end + 2]}
                    ahead = self.words[match.end : match.end + 1]
                    if any(w in LIST_JOINS for w in between) or joins & LIST_JOINS or (ahead and ahead[0] in LIST_JOINS):
                        verdict = "negated"
                    else:
                        verdict = "uncertain"
            # "no puedo tragar bien", "can't walk well": a word of resolution after an inability is no resolution.
            inability = match.start > 0 and self.words[match.start - 1] in _INABILITY
            if verdict is None and match.resolvable and not inability:
                verdict = self._resolved_after(match.end)
            if verdict is None and self._no_longer_after(match.start):
                # "had chills last night, not anymore", "tuve fiebre pero ya no": no red flag now, but a
                # nurse reads what was.
                verdict = "negated"
                self.uncertain = True
            if verdict == "negated":
                match.negated = True
            elif verdict == "uncertain":
                match.uncertain = True

    def _no_longer_after(self, i: int) -> bool:
        """Whether the clause after token i's is only a "no longer" ("not anymore", "ya no", "no more")."""
        _, end = self.clause(i)
        start = end + 2  # past the break
        if start >= len(self.words):
            return False
        _, after_end = self.clause(start)
        words = self.words[start : after_end + 1]
        stop = self.positions[after_end + 1] if after_end + 1 < len(self.positions) else len(self.all)
        raw = [tok.text for tok in self.all[self.positions[start] : stop]]
        words = [w for w in words if w not in COURTESY]
        return bool(words) and all(w in _NO_LONGER for w in words) and ("anymore" in raw or any(w in _NO_LONGER - {"not", "no"} for w in words))

    def _negation_before(self, at: int) -> str | None:
        meaningful = 0
        j = at - 1
        while j >= 0 and meaningful < NEGATION_REACH:
            w = self.words[j]
            if w in HARD_BREAKS or w in SOFT_BREAKS or w in AND_WORDS:
                return None
            if w in NEGATIONS:
                following = self.words[j + 1 : at]
                self.t[j].used = True
                bridged = [f for k, f in enumerate(following, start=j + 1)
                           if f in _NEGATION_BRIDGE or f in LIST_JOINS or any(m.start <= k < m.end for m in self.matches)]
                if any(h in HEDGES for h in following) or len(bridged) != len(following):
                    # "I don't think I have a fever", "no improvement in the numbness", "no se me quita la
                    # fiebre": a word between the negation and the red flag that is not part of a denial.
                    return "uncertain"
                for k in range(j + 1, at):
                    self.t[k].used = True
                return "negated"
            if w == "unsure":
                self.t[j].used = True
                return "uncertain"
            if any(m.start <= j < m.end and m.code for m in self.matches):
                return None
            meaningful += 1
            j -= 1
        return None

    def _resolved_after(self, end: int) -> str | None:
        for j in range(end, min(end + 3, len(self.words))):
            w = self.words[j]
            if w in HARD_BREAKS or w in SOFT_BREAKS or w in AND_WORDS or w in NEGATIONS:
                return None  # "the fever isn't gone", "not fine": a resolution denied is none
            if w in RESOLVED:
                self.t[j].used = True
                return "negated"
        return None

    # 2. values
    def read_values(self) -> None:
        i = 0
        while i < len(self.words):
            if self.t[i].used:
                i += 1
                continue
            w = self.words[i]
            for reader in (self._medicine, self._pain_named, self._walk_named, self._steps_named, self._number_first, self._opioid):
                advance = reader(i, w)
                if advance:
                    i += advance
                    break
            else:
                i += 1

    def _scale_after(self, j: int) -> int:
        """How many tokens of "/ 10" follow token j (0 if none)."""
        if self.word(j) == "/" and self.num(j + 1) == 10:
            self.use(j, j + 1)
            return 2
        return 0

    def _pain_value(self, j: int, *, change: bool = False) -> int | None:
        """A pain value at token j (0-10, whole), with its scale and a range after it ("5-6", "5 o 6")."""
        value = self.num(j)
        if value is None or value != int(value) or not 0 <= value <= 10 or self.t[j].thousands:
            return None
        self.use(j)
        k = j + 1 + self._scale_after(j + 1)
        if self.word(k) in {"-", "to", "or", "o", "a", "and", "y"} and self.num(k + 1) is not None:
            other, used = self.num(k + 1), (k, k + 1)
        elif self.num(k) is not None and self.raw_between(k - 1, k) in (["to"], ["a"], ["hasta"]) and not self._clock(k, self.num(k)):
            other, used = self.num(k), (k,)  # "8 to 9", "de 4 a 5": the joining word is set aside
        else:
            return int(value)
        if other == int(other) and 0 <= other <= 10 and (value < other or change):
            self.use(*used)
            self._scale_after(used[-1] + 1)
            self.uncertain = True
            return int(other)
        return int(value)

    def _pain_named(self, i: int, w: str) -> int:
        if w in RATING_WORDS:
            return self._pain_rated(i)
        if w not in PAIN_WORDS:
            return 0
        j = i + 1
        change = False
        while self.word(j) in PAIN_GAP:
            change = change or self.word(j) in CHANGE_WORDS
            self.use(j)
            j += 1
        if self.word(j) == "between" and self.num(j + 1) is not None:
            self.use(j)
            j += 1
        value = self.num(j)
        if value is not None and value != int(value) and 0 < value < 10 and not self.t[j].thousands:
            # "pain 6.5": between two scores, the higher, for a nurse to read.
            self.use(i, j)
            self._scale_after(j + 1)
            self.pains.append(int(value) + 1)
            self.uncertain = True
            return j - i + 1
        pain = self._pain_value(j, change=change)
        if pain is not None:
            self.pains.append(pain)
            self.use(i)
            if i > 0 and (self.word(i - 1) in PAIN_LOCATIONS or self.word(i - 1) in LEG_NOUNS):
                self.use(i - 1)
            return j - i + 1
        if self.word(j) in {"free", "painfree"} or (i > 0 and self.word(i - 1) in NEGATIONS | {"nada"} and self._negation_reaches(i)):
            self.pains.append(0)
            self.use(i, i - 1)
            if self.word(j) in {"nada", "free"}:
                self.use(j)
            return 1
        return 0

    def _pain_rated(self, i: int) -> int:
        """A score given ("I'd give it a 4", "le pongo un 6 al dolor"), not a count ("give me 2 pills")."""
        value = self.num(i + 1)
        after = self.word(i + 2)
        if value is None or after in OPIOID_WORDS | MEDICINE_NOUNS | OTHER_MEDICINES | COUNT_WORDS | MINUTE_WORDS | HOUR_WORDS | STEP_WORDS:
            return 0
        pain = self._pain_value(i + 1)
        if pain is None:
            return 0
        self.pains.append(pain)
        self.use(i)
        if self.word(i + 2) in PAIN_WORDS:
            self.use(i + 2)
        return 2

    def _negation_reaches(self, i: int) -> bool:
        return not any(m.start < i < m.end for m in self.matches)

    def _duration(self, j: int) -> tuple[int | None, int]:
        """Walking minutes at token j and how many tokens they take: "20", "20 min", "2 hours", "half an hour"."""
        w = self.word(j)
        if w == "halfhour":
            return 30, 1
        if w == "hourandhalf":
            return 90, 1
        if w in HOUR_WORDS:
            return 60, 1
        value = self.num(j)
        if value is None or self.t[j].thousands:
            return None, 0
        if self.word(j + 1) in HOUR_WORDS:
            return int(value * 60), 2
        if value != int(value):
            return None, 0
        return int(value), 2 if self.word(j + 1) in MINUTE_WORDS else 1

    def _steps_value(self, j: int) -> tuple[int | None, int]:
        value = self.num(j)
        if value is None:
            return None, 0
        if self.word(j + 1) in {"k", "mil"}:
            return int(value * 1000), 2
        if self.t[j].thousands:
            return int(value * 1000) if value < 1000 and "." in self.t[j].text else int(value), 1
        return (int(value), 1) if value == int(value) else (None, 0)

    def _walk_named(self, i: int, w: str) -> int:
        if w not in WALK_WORDS:
            return 0
        j = i + 1
        while j < i + 4 and (self.word(j) in WALK_GAP or (self.num(j) is not None and self._clock(j, self.num(j)))):
            self.use(j)  # "walked around the block at 5 for 20 min": the place and the hour are no minutes
            j += 1
        if self.num(j) is not None and self.word(j + 1) in COUNT_WORDS:
            return 0  # "walked 2 laps": no minutes
        if self.word(j) in {"halfhour", "hourandhalf"} or self.num(j) is not None or self.word(j) in HOUR_WORDS:
            # "walked 1500 steps" is steps, not minutes.
            steps, took = self._steps_value(j)
            if steps is not None and self.word(j + took) in STEP_WORDS:
                if steps <= 100000:
                    self.fields["steps"] = steps
                self.use(*range(i, j + took + 1))
                return j + took + 1 - i
            minutes, took = self._duration(j)
            if minutes is not None and minutes <= 1440:
                self.fields["walking_minutes"] = minutes
                self.use(*range(i, j + took))
                return j + took - i
        return 0

    def _steps_named(self, i: int, w: str) -> int:
        if w not in STEP_WORDS:
            return 0
        j = i + 1 + (self.word(i + 1) == ":")
        steps, took = self._steps_value(j)
        if steps is not None and steps <= 100000:
            self.fields["steps"] = steps
            self.use(*range(i, j + took))
            return j + took - i
        return 0

    def _number_first(self, i: int, w: str) -> int:
        value = self.num(i)
        if value is None:
            return 0
        if self._clock(i, value):
            self.use(i)
            return 1
        steps, took = self._steps_value(i)
        if steps is not None and self.word(i + took) in STEP_WORDS:
            if steps <= 100000:
                self.fields["steps"] = steps
                self.use(*range(i, i + took + 1))
            return took + 1
        minutes, took = self._duration(i)
        if minutes is not None and took == 2 or (minutes is not None and self.word(i + 1) in HOUR_WORDS):
            after = i + took
            if self.word(after) in WALK_WORDS or (self.word(after) == "of" and self.word(after + 1) in WALK_WORDS):
                self.fields["walking_minutes"] = minutes
                self.use(*range(i, after + 1 + (self.word(after) == "of")))
                return after + 1 - i
        if self._temperature(i):
            return 1
        if self.word(i + 1) == "/" or self.word(i + 1) in PAIN_WORDS:
            pain = self._pain_value(i)
            if pain is not None:
                self.pains.append(pain)
                if self.word(i + 1) in PAIN_WORDS:
                    self.use(i + 1)
                return 1
        if self.word(i + 1) in OPIOID_WORDS | MEDICINE_NOUNS | OTHER_MEDICINES or self.word(i + 1) in COUNT_WORDS:
            self.use(i)  # "took 1 oxycodone", "2 times": a count
            return 1
        return 0

    def _clock(self, i: int, value: float) -> bool:
        """A time of day not written with am/pm: "took my meds at 8", "a las 9" (not "I'm at 6 pain")."""
        if value != int(value) or not 1 <= value <= 12 or self.t[i].thousands:
            return False
        pos = self.positions[i]
        before = [tok.text for tok in self.all[max(0, pos - 2) : pos]]
        if before[-1:] == ["las"] or before[-2:] == ["a", "la"]:
            return True
        if before[-2:-1] and before[-2] in {"im", "am", "its", "is", "was", "still", "stays", "sitting"}:
            return False  # "I'm at 6": a score
        return (before[-1:] in (["at"], ["since"], ["until"], ["till"]) or before == ["at", "around"]) and self.word(i + 1) != "/"

    def _temperature(self, i: int) -> bool:
        value = self.num(i)
        if value is None or not (34 <= value <= 43 or 95 <= value <= 110) or self.t[i].thousands:
            return False
        start, end = self.clause(i)
        context = [j for j in range(max(start, i - 3), min(end, i + 2) + 1) if j != i and (
            self.words[j] in TEMPERATURE_WORDS or (self.words[j] in {"running"})
            or any(m.start <= j < m.end and m.code == Symptom.FEVER for m in self.matches))]
        fever = value > 100.4 if value >= 95 else value > 38.0
        if not context:
            # A number that can only be a temperature ("101.5" alone) is read as one, uncertain.
            if fever and (value != int(value) or 100 < value <= 107):
                self.use(i)
                self.matches.append(_Match(i, i + 1, Symptom.FEVER, str(value), resolvable=False, uncertain=True))
                return True
            return False
        self.use(i, *[j for j in context if self.words[j] in TEMPERATURE_WORDS])
        if fever:
            self.matches.append(_Match(i, i + 1, Symptom.FEVER, str(value), resolvable=False))
        else:
            # A normal temperature: it says there is no fever, and "running a temperature" with it is unsure.
            for m in self.matches:
                if m.code == Symptom.FEVER and m.word == "running" and start <= m.start <= end:
                    m.code = ""
                    self.uncertain = True
        return True

    def _opioid(self, i: int, w: str) -> int:
        if w not in OPIOID_WORDS:
            return 0
        self.use(i)
        following = self.word(i + 1)
        if following in {"y", "n"} and self.word(i + 2) not in HARD_BREAKS | SOFT_BREAKS | {""}:
            following = ""  # "opioides y pasos 6000": "y" is "and" here, not yes
        if following in YES_WORDS:
            self.fields["opioid_use"] = True
            self.use(i + 1)
            return 2
        if following in NO_WORDS or self.num(i + 1) == 0:
            self.fields["opioid_use"] = False
            self.use(i + 1)
            return 2
        self.fields["opioid_use"] = not self._denied(i)
        return 1

    def _denied(self, i: int) -> bool:
        for j in range(i - 1, max(-1, i - 4), -1):
            w = self.word(j)
            if w in HARD_BREAKS | SOFT_BREAKS or any(m.start <= j < m.end and m.code for m in self.matches):
                return False
            if w in NEGATIONS or w in OPIOID_STOPPED or w in ONLY_WORDS:
                self.use(j)
                return True
        return False

    def _medicine(self, i: int, w: str) -> int:
        """Pain medicine that is not named: "no pain pills" says no opioids; "took my pain pills" cannot tell."""
        took = 0
        if w in PAIN_WORDS and self.word(i + 1) in MEDICINE_NOUNS:
            took = 2
        elif w in MEDICINE_NOUNS:
            took = 1 + (self.word(i + 1) == "dolor" and self.word(i) in {"pastillas", "pastilla", "medicina"})
        elif w in OTHER_MEDICINES:
            if self._denied(i) or (i > 0 and self.word(i - 1) in ONLY_WORDS):
                self.fields.setdefault("opioid_use", False)
            self.use(i)
            return 1
        if not took:
            return 0
        self.use(*range(i, i + took))
        if self._denied(i):
            self.fields.setdefault("opioid_use", False)
        elif any(m.code == Symptom.UNCONTROLLED_PAIN for m in self.matches if i <= m.start <= i + took + 3):
            pass  # "the pills are not helping": the red flag says it
        elif self.word(i + took) not in {"help", "helping", "helps", "working", "work", "ayudan", "ayuda"}:
            self.uncertain = True
        else:
            self.use(i + took)
        return took

    # 3. what is left
    def finish(self) -> tuple[list[str], list[str], bool]:
        symptoms: list[str] = []
        uncertain: list[str] = []
        for m in self.matches:
            if not m.code or m.negated:
                continue
            if m.code not in symptoms:
                symptoms.append(m.code)
            if m.uncertain and m.code not in uncertain:
                uncertain.append(m.code)
        groin = any(w in GROIN_NOUNS for w in self.words) or "between legs" in " ".join(self.words) or "entre piernas" in " ".join(self.words)
        if Symptom.NEW_NUMBNESS in symptoms and groin and Symptom.BLADDER_BOWEL not in symptoms:
            symptoms.append(Symptom.BLADDER_BOWEL)
        for m in self.matches:
            # "had an accident, pooped myself": the uncertain word is settled by a certain one.
            if m.code in uncertain and any(o.code == m.code and not o.uncertain and not o.negated for o in self.matches):
                uncertain.remove(m.code)
            if m.code == Symptom.UNCONTROLLED_PAIN and m.code in uncertain and m.word != "still":
                start, end = self.clause(m.start)
                if any(self.words[j] in MEDICINE_NOUNS | OPIOID_WORDS for j in range(start, end + 1)):
                    uncertain.remove(m.code)
        # Nouns, pain words and descriptions serve a red flag in their clause ("my calf hurts", "pain
        # in my calf", "trouble swallowing"); without one they are something a nurse should read ("my
        # leg hurts"). A noun with a word of resolution is understood too ("incision looks good").
        context = WOUND_NOUNS | LEG_NOUNS | GROIN_NOUNS | URINE_NOUNS | BREATH_NOUNS | PAIN_WORDS | MODIFIERS | PAIN_LOCATIONS | _words("between entre")
        for i, tok in enumerate(self.t):
            if tok.used:
                continue
            w = tok.text
            start, end = self.clause(i)
            near = [m for m in self.matches if start <= m.start <= end]
            if w in context:
                resolved = [j for j in range(start, end + 1) if self.words[j] in RESOLVED]
                if near or (resolved and w not in PAIN_WORDS | MODIFIERS):
                    tok.used = True
                    for j in resolved:
                        self.t[j].used = True
            if not tok.used and w in PAIN_LOCATIONS and any(self.words[j] in PAIN_WORDS for j in range(start, end + 1)):
                tok.used = True
            elif w == "painfree":
                tok.used = True
                self.pains.append(0)
        for tok in self.t:
            if not tok.used and tok.text in COURTESY:
                tok.used = True
        unread = [tok.text for tok in self.t if not tok.used and tok.text not in HARD_BREAKS | SOFT_BREAKS | AND_WORDS | LIST_JOINS]
        # A single number 0-10 with nothing else unread is the day's pain ("6 today", "hoy 3", "5 walked 10"),
        # and so is a range of two ("between 5 and 6", "6 or 7": the higher, for a nurse to read).
        if not self.pains:
            numbers = [i for i, tok in enumerate(self.t) if not tok.used and tok.number is not None]
            others = [w for w in unread if w not in {"between", "entre"} and not re.fullmatch(r"\d+(?:[.,]\d+)*", w)]
            if len(numbers) == 1 and len(unread) == 1:
                pain = self._pain_value(numbers[0])
                if pain is not None:
                    self.pains.append(pain)
                    unread = []
            elif len(numbers) == 2 and not others:
                pain = self._pain_value(numbers[0])
                if pain is not None and self.t[numbers[1]].used:
                    self.pains.append(pain)
                    self.uncertain = True
                    unread = []
                else:
                    self.t[numbers[0]].used = False
        if "?" in self.words or any(tok.text in HEDGES for tok in self.all):
            self.uncertain = True
        if len(self.pains) > 1 and len(set(self.pains)) > 1:
            self.uncertain = True
        if self.pains:
            self.fields["pain"] = max(self.pains)
        for code in self._unsettled_parts():
            if code not in symptoms:
                symptoms.append(code)
                uncertain.append(code)
        return symptoms, uncertain, not unread and not self.uncertain and not uncertain

    def _unsettled_parts(self) -> list[str]:
        """Red flags of the parts named in a clause the reading could not settle ("I can't get enough
        air", "la herida se esta abriendo", "dribbling urine", "stuck in my throat"): where the words
        about the part are not understood, safety wins and the part's red flag is recorded, uncertain.
        A clause where that red flag was already read, or denied, is settled."""
        codes: list[str] = []
        seen: set[tuple[int, int]] = set()
        for i, tok in enumerate(self.t):
            if tok.used or tok.text in HARD_BREAKS | SOFT_BREAKS | AND_WORDS | LIST_JOINS:
                continue
            start, end = self.clause(i)
            if (start, end) in seen:
                continue
            seen.add((start, end))
            if all(self.words[j] in _PART_BENIGN or self.words[j] in _PART_FLAGS or self.t[j].used
                   or self.words[j] in HARD_BREAKS | SOFT_BREAKS | AND_WORDS | LIST_JOINS for j in range(start, end + 1)):
                continue  # only words of care or routine are left: "I changed the dressing", "la herida se ve igual"
            for j in range(start, end + 1):
                code = _PART_FLAGS.get(self.words[j])
                if code and code not in codes and not any(m.code == code and start <= m.start <= end for m in self.matches):
                    codes.append(code)
        return codes


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

    plain = _plain(text).replace("\u2019", "").replace("'", "").replace("`", "")
    plain = re.sub(r"[^\x00-\x7f°]+", " ", plain)
    plain = _digits(_compounds(_held_letters(plain)))
    plain = _clock_and_days(plain)
    # "7 out of 10", "6 de 10", "5 of 10", "8 sobre 10" -> "7 /10"
    plain = re.sub(r"(\d)\s*(?:/|\bout of\b|\boutta\b|\bde\b|\bof\b|\bsobre\b)\s*10\b", r"\1 / 10", plain)
    tokens = _tokens(plain)
    known = _known()
    for tok in tokens:
        if tok.number is None and tok.text not in known:
            corrected = _inflected(tok.text, known) or _fuzzy(tok.text)
            if corrected:
                tok.text = corrected
        if tok.text in FILLER:
            tok.understood = True
    reader = _Reader(tokens)
    reader.find_symptoms()
    reader.bind_descriptions()
    reader.bathroom()
    reader.settle_negations()
    reader.read_values()
    reader.pain_despite_medicine()
    symptoms, uncertain, complete = reader.finish()
    fields = dict(reader.fields)
    if symptoms:
        fields["symptoms"] = [str(code) for code in symptoms]
    if not fields:
        meaningful = [tok for tok in tokens if tok.text not in HARD_BREAKS | SOFT_BREAKS]
        return Reading("text", complete=complete and bool(meaningful))
    return Reading("checkin", {k: fields[k] for k in ("pain", "walking_minutes", "steps", "opioid_use", "symptoms") if k in fields},
                   complete=complete, uncertain_symptoms=tuple(str(code) for code in uncertain))


def yes_no_read(text: str) -> bool | None:
    """A whole-message YES or NO ("yes", "Si.", "no!"), as the answer to a question we asked; None
    for anything else."""
    word = _plain(text or "").strip().strip(".!¡¿? ")
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    return None
