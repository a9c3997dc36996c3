"""What the patient reads, in English and Spanish: procedure, milestone and red-flag labels, and the notice
that the service is not watched around the clock. Advice for red flags lives in recovery/red_flags.py.
"""

from patients.choices import Procedure
from recovery.choices import Milestone, Symptom
from recovery.red_flags import NOT_MONITORED

LANGUAGES = ("en", "es")

PROCEDURE_LABELS = {
    "en": {p.value: str(p.label) for p in Procedure},
    "es": {
        Procedure.MIS_LUMBAR_FUSION: "Fusión lumbar mínimamente invasiva",
        Procedure.OPEN_LUMBAR_FUSION: "Fusión lumbar abierta",
        Procedure.ACDF: "Discectomía cervical anterior con fusión",
        Procedure.POSTERIOR_CERVICAL_FUSION: "Fusión cervical posterior",
    },
}

MILESTONE_LABELS = {
    "en": {m.value: str(m.label) for m in Milestone},
    "es": {
        Milestone.FIRST_WALK: "Primera caminata",
        Milestone.DISCHARGED: "Alta a casa",
        Milestone.NORMAL_DIET: "Dieta normal",
        Milestone.OFF_OPIOIDS: "Sin opioides",
        Milestone.BRACE_OFF: "Sin corsé",
        Milestone.PHYSICAL_THERAPY_STARTED: "Comenzó fisioterapia",
        Milestone.DRIVING: "Maneja de nuevo",
        Milestone.RETURNED_TO_WORK: "De vuelta al trabajo",
        Milestone.NORMAL_ACTIVITIES: "Actividades normales",
    },
}

SYMPTOM_LABELS = {
    "en": {
        Symptom.FEVER: "Temperature above 100.4 F (38.0 C), or chills",
        Symptom.WOUND_DRAINAGE: "Incision red, hot, swollen, opening or draining",
        Symptom.NEW_WEAKNESS: "New weakness in legs or arms, new difficulty walking, or a fall",
        Symptom.NEW_NUMBNESS: "New numbness or tingling in legs or arms",
        Symptom.BLADDER_BOWEL: "Loss of bladder or bowel control, cannot urinate, or numbness between the legs",
        Symptom.CALF_PAIN_SWELLING: "Calf pain, or a swollen leg or foot",
        Symptom.CHEST_PAIN_BREATHLESS: "Chest pain, or trouble breathing at rest",
        Symptom.TROUBLE_SWALLOWING: "New trouble swallowing",
        Symptom.UNCONTROLLED_PAIN: "Pain not relieved by the prescribed medication",
    },
    "es": {
        Symptom.FEVER: "Temperatura mayor de 100.4 F (38.0 C), o escalofríos",
        Symptom.WOUND_DRAINAGE: "Herida roja, caliente, hinchada, abierta o que supura",
        Symptom.NEW_WEAKNESS: "Debilidad nueva en piernas o brazos, dificultad nueva para caminar, o una caída",
        Symptom.NEW_NUMBNESS: "Entumecimiento u hormigueo nuevo en piernas o brazos",
        Symptom.BLADDER_BOWEL: "Pérdida de control de la vejiga o del intestino, no puede orinar, o entumecimiento entre las piernas",
        Symptom.CALF_PAIN_SWELLING: "Dolor en la pantorrilla, o pierna o pie hinchado",
        Symptom.CHEST_PAIN_BREATHLESS: "Dolor de pecho, o dificultad para respirar en reposo",
        Symptom.TROUBLE_SWALLOWING: "Dificultad nueva para tragar",
        Symptom.UNCONTROLLED_PAIN: "Dolor que no se alivia con el medicamento recetado",
    },
}

MILESTONE_STATE_LABELS = {
    "en": {"reached": "Reached", "due": "Expected now", "late": "Later than expected", "overdue": "Overdue", "upcoming": "Upcoming"},
    "es": {"reached": "Logrado", "due": "Esperado ahora", "late": "Más tarde de lo esperado", "overdue": "Atrasado", "upcoming": "Próximo"},
}


def _lang(language: str) -> str:
    return language if language in LANGUAGES else "en"


def procedure_label(code: str, language: str) -> str:
    return PROCEDURE_LABELS[_lang(language)].get(code, code)


def milestone_label(code: str, language: str) -> str:
    return MILESTONE_LABELS[_lang(language)].get(code, code)


def symptom_label(code: str, language: str) -> str:
    return SYMPTOM_LABELS[_lang(language)].get(code, code)


def milestone_state_label(state: str, language: str) -> str:
    return MILESTONE_STATE_LABELS[_lang(language)].get(state, state)


def not_monitored_notice(language: str) -> str:
    """Said on every patient-facing screen: nobody watches this around the clock; emergencies go to 911."""
    return NOT_MONITORED[_lang(language)]
