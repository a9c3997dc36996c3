"""Loads the default day-by-day guidance of the four protocols: what to expect, in plain words, written
from clinical.md. The words live here, as data: clinic staff edit them in the admin, and this migration
only adds guidance that does not exist yet."""

from django.db import migrations

# procedure: {stretch: (English, Spanish)}
GUIDANCE = {
    "mis_lumbar_fusion": {
        "days_0_2": (
            "Most people walk a few hours after surgery and go home the same day or within two days. Eat normally once "
            "the anaesthesia has worn off. Pain is expected now and your medication controls it; short walks several "
            "times a day help you heal.",
            "La mayoría camina pocas horas después de la cirugía y se va a casa el mismo día o en dos días. Coma normal "
            "cuando pase el efecto de la anestesia. Ahora es normal tener dolor y su medicina lo controla; caminar un "
            "poco varias veces al día ayuda a sanar.",
        ),
        "first_week": (
            "Walk a little more each day, even 5 to 10 minutes at a time. Pain should ease slowly; pain that rises again "
            "after you get home happens, and is worth telling us. Follow your brace and activity advice.",
            "Camine un poco más cada día, aunque sean 5 a 10 minutos cada vez. El dolor debe bajar poco a poco; si vuelve "
            "a subir al llegar a casa, puede pasar, y conviene decírnoslo. Siga las indicaciones sobre la faja y la actividad.",
        ),
        "weeks_2_6": (
            "Many people stop opioids in weeks 2 to 3, and drive and go back to desk work in weeks 2 to 4, once the care "
            "team agrees. Aim for 20 to 30 minutes of walking a day. Physical therapy often starts now.",
            "Muchas personas dejan los opioides en las semanas 2 a 3, y manejan y vuelven a un trabajo de oficina en las "
            "semanas 2 a 4, cuando el equipo de atención lo aprueba. Intente caminar de 20 a 30 minutos al día. La "
            "fisioterapia suele empezar ahora.",
        ),
        "beyond": (
            "Most people are back to most normal activities within two months. Back and leg pain keep improving for about "
            "three months. Tell the care team if your pain is not getting better.",
            "La mayoría vuelve a casi todas sus actividades normales antes de dos meses. El dolor de espalda y de pierna "
            "sigue mejorando unos tres meses. Avise al equipo de atención si su dolor no mejora.",
        ),
    },
    "open_lumbar_fusion": {
        "days_0_2": (
            "You will walk with help on the day of surgery or the next, and stay in hospital for a few days. Eat normally "
            "once you can. Pain is expected and your medication controls it; short walks help you heal and lower the risk of clots.",
            "Caminará con ayuda el día de la cirugía o el siguiente, y estará unos días en el hospital. Coma normal en "
            "cuanto pueda. Es normal tener dolor y su medicina lo controla; caminar un poco ayuda a sanar y baja el "
            "riesgo de coágulos.",
        ),
        "first_week": (
            "Most people go home within the first week. Walk a little more each day, a few minutes at a time. Pain eases "
            "slowly; tell us if it rises after you get home.",
            "La mayoría se va a casa en la primera semana. Camine un poco más cada día, unos minutos cada vez. El dolor "
            "baja poco a poco; avísenos si sube al llegar a casa.",
        ),
        "weeks_2_6": (
            "Walk a little more each week, aiming for 15 to 20 minutes a day. Opioids are usually stopped within five to "
            "eight weeks. Physical therapy often starts between weeks 2 and 6. Driving waits until the care team agrees.",
            "Camine un poco más cada semana, hasta 15 a 20 minutos al día. Los opioides se suelen dejar en cinco a ocho "
            "semanas. La fisioterapia suele empezar entre las semanas 2 y 6. No maneje hasta que el equipo de atención lo apruebe.",
        ),
        "beyond": (
            "Recovery after open fusion takes longer: work and normal activities often return between weeks 6 and 12, and "
            "pain keeps improving for months. Tell the care team if your pain is not getting better.",
            "La recuperación de una fusión abierta toma más tiempo: el trabajo y las actividades normales suelen volver "
            "entre las semanas 6 y 12, y el dolor sigue mejorando por meses. Avise al equipo de atención si su dolor no mejora.",
        ),
    },
    "acdf": {
        "days_0_2": (
            "Most people walk the same day and go home within a day. A sore throat and mild trouble swallowing are common "
            "after surgery at the front of the neck. Neck swelling with trouble breathing needs 911 at once.",
            "La mayoría camina el mismo día y se va a casa en un día. Después de una cirugía por delante del cuello es "
            "común tener dolor de garganta y algo de dificultad para tragar. Si el cuello se hincha y le falta el aire, "
            "llame al 911 de inmediato.",
        ),
        "first_week": (
            "Swallowing usually gets easier day by day; soft foods help. Walk every day and follow your collar advice. "
            "Tell us about new weakness or numbness, or swallowing that gets worse.",
            "Tragar suele ser más fácil cada día; las comidas blandas ayudan. Camine todos los días y siga las "
            "indicaciones sobre el collarín. Avísenos si tiene debilidad o entumecimiento nuevos, o si tragar empeora.",
        ),
        "weeks_2_6": (
            "Many people drive and go back to light work in weeks 2 to 4, once the care team agrees. Opioids are usually "
            "stopped by week 3. Mild trouble swallowing can last up to six weeks.",
            "Muchas personas manejan y vuelven a un trabajo ligero en las semanas 2 a 4, cuando el equipo de atención lo "
            "aprueba. Los opioides se suelen dejar hacia la semana 3. Una dificultad leve para tragar puede durar hasta seis semanas.",
        ),
        "beyond": (
            "Most people are back to normal activities within two months. Neck and arm pain keep improving for about three "
            "months. Tell the care team if your pain is not getting better.",
            "La mayoría vuelve a sus actividades normales antes de dos meses. El dolor de cuello y de brazo sigue "
            "mejorando unos tres meses. Avise al equipo de atención si su dolor no mejora.",
        ),
    },
    "posterior_cervical_fusion": {
        "days_0_2": (
            "You will walk with help on the day of surgery or the next, and stay in hospital for a few days. Pain at the "
            "back of the neck is expected, and your medication controls it.",
            "Caminará con ayuda el día de la cirugía o el siguiente, y estará unos días en el hospital. Es normal tener "
            "dolor en la nuca, y su medicina lo controla.",
        ),
        "first_week": (
            "Most people go home within the first week. Walk a little more each day and follow your collar advice. "
            "Tell us about new weakness or numbness in your arms or legs.",
            "La mayoría se va a casa en la primera semana. Camine un poco más cada día y siga las indicaciones sobre el "
            "collarín. Avísenos si tiene debilidad o entumecimiento nuevos en brazos o piernas.",
        ),
        "weeks_2_6": (
            "Walk a little more each week. Opioids are usually stopped within five to eight weeks, and physical therapy "
            "often starts now. Driving waits until the care team agrees.",
            "Camine un poco más cada semana. Los opioides se suelen dejar en cinco a ocho semanas, y la fisioterapia "
            "suele empezar ahora. No maneje hasta que el equipo de atención lo apruebe.",
        ),
        "beyond": (
            "Work and normal activities often return between weeks 6 and 12, and pain keeps improving for months. Tell "
            "the care team if your pain is not getting better.",
            "El trabajo y las actividades normales suelen volver entre las semanas 6 y 12, y el dolor sigue mejorando "
            "por meses. Avise al equipo de atención si su dolor no mejora.",
        ),
    },
}


def load_defaults(apps, schema_editor):
    RecoveryProtocol = apps.get_model("recovery", "RecoveryProtocol")
    ProtocolGuidance = apps.get_model("webcheckin", "ProtocolGuidance")
    for protocol in RecoveryProtocol.objects.filter(procedure__in=GUIDANCE):
        for stretch, (text_en, text_es) in GUIDANCE[protocol.procedure].items():
            ProtocolGuidance.objects.get_or_create(protocol=protocol, stretch=stretch, defaults={"text_en": text_en, "text_es": text_es})


class Migration(migrations.Migration):
    dependencies = [("webcheckin", "0001_initial")]

    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
