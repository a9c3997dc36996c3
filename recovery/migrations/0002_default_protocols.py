"""Loads the default recovery protocols of clinical.md (milestone windows, pain and walking bounds).

The numbers live here, as data, so that later edits by clinic staff in the admin are never overwritten
by code; this migration only creates protocols that do not exist yet.
"""

from django.db import migrations

# milestone: (alert when overdue, {procedure: (expected from, expected by, overdue after or None)})
MILESTONES = {
    "first_walk": (True, {"mis_lumbar_fusion": (0, 0, 1), "open_lumbar_fusion": (0, 1, 2), "acdf": (0, 0, 1), "posterior_cervical_fusion": (0, 1, 2)}),
    "discharged": (True, {"mis_lumbar_fusion": (0, 2, 2), "open_lumbar_fusion": (1, 5, 7), "acdf": (0, 1, 2), "posterior_cervical_fusion": (1, 4, 6)}),
    "normal_diet": (False, {"mis_lumbar_fusion": (0, 1, 2), "open_lumbar_fusion": (0, 2, 4), "acdf": (0, 1, 3), "posterior_cervical_fusion": (0, 2, 4)}),
    "off_opioids": (True, {"mis_lumbar_fusion": (7, 21, 42), "open_lumbar_fusion": (14, 35, 56), "acdf": (7, 21, 42), "posterior_cervical_fusion": (14, 35, 56)}),
    "physical_therapy_started": (False, {"mis_lumbar_fusion": (7, 28, None), "open_lumbar_fusion": (14, 42, None), "acdf": (7, 28, None), "posterior_cervical_fusion": (14, 42, None)}),
    "brace_off": (False, {"mis_lumbar_fusion": (28, 56, None), "open_lumbar_fusion": (42, 84, None), "acdf": (14, 42, None), "posterior_cervical_fusion": (42, 84, None)}),
    "driving": (False, {"mis_lumbar_fusion": (14, 28, None), "open_lumbar_fusion": (28, 56, None), "acdf": (14, 28, None), "posterior_cervical_fusion": (28, 56, None)}),
    "returned_to_work": (False, {"mis_lumbar_fusion": (14, 42, None), "open_lumbar_fusion": (42, 84, None), "acdf": (14, 42, None), "posterior_cervical_fusion": (42, 84, None)}),
    "normal_activities": (True, {"mis_lumbar_fusion": (14, 42, 56), "open_lumbar_fusion": (42, 84, 112), "acdf": (14, 42, 56), "posterior_cervical_fusion": (42, 84, 112)}),
}

# Pain upper bound (worst pain of the day) from each day on.
PAIN_MIS = [(0, 8), (4, 7), (8, 6), (15, 5), (29, 4), (43, 3)]
PAIN_OPEN = [(0, 8), (4, 8), (8, 7), (15, 6), (29, 5), (43, 4)]
# Walking lower bound (minutes a day) from each day on; none on day 0.
WALKING_MIS = [(1, 5), (4, 10), (8, 15), (15, 20), (29, 30)]
WALKING_OPEN = [(1, 3), (4, 5), (8, 10), (15, 15), (29, 20)]

PROTOCOLS = {
    "mis_lumbar_fusion": ("Minimally invasive lumbar fusion", PAIN_MIS, WALKING_MIS),
    "open_lumbar_fusion": ("Open lumbar fusion", PAIN_OPEN, WALKING_OPEN),
    "acdf": ("Anterior cervical discectomy and fusion", PAIN_MIS, WALKING_MIS),
    "posterior_cervical_fusion": ("Posterior cervical fusion", PAIN_OPEN, WALKING_OPEN),
}


def load_defaults(apps, schema_editor):
    RecoveryProtocol = apps.get_model("recovery", "RecoveryProtocol")
    ProtocolMilestone = apps.get_model("recovery", "ProtocolMilestone")
    ProtocolBand = apps.get_model("recovery", "ProtocolBand")
    for procedure, (name, pain, walking) in PROTOCOLS.items():
        protocol, created = RecoveryProtocol.objects.get_or_create(procedure=procedure, defaults={"name": name, "program_days": 90})
        if not created:
            continue
        ProtocolMilestone.objects.bulk_create(
            ProtocolMilestone(
                protocol=protocol,
                milestone=milestone,
                expected_from=windows[procedure][0],
                expected_by=windows[procedure][1],
                overdue_after=windows[procedure][2],
                alert_when_overdue=alert,
            )
            for milestone, (alert, windows) in MILESTONES.items()
        )
        ProtocolBand.objects.bulk_create(
            [ProtocolBand(protocol=protocol, measure="pain_max", from_day=day, value=value) for day, value in pain]
            + [ProtocolBand(protocol=protocol, measure="walking_min", from_day=day, value=value) for day, value in walking]
        )


class Migration(migrations.Migration):
    dependencies = [("recovery", "0001_initial")]
    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
