import django.db.models.deletion
from django.db import migrations, models


def _drop_fk_index(name: str, table: str, column: str):
    return migrations.RunSQL(
        f'DROP INDEX IF EXISTS "{name}"',
        reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
    )


class Migration(migrations.Migration):
    """Lighter writes for a check-in: no index over the evaluation mark (its update stays in place),
    and no foreign-key index that repeats the leading column of a composite one."""

    dependencies = [
        ("patients", "0002_drop_indexes_repeated_by_composites"),
        ("recovery", "0003_engine_rule_thresholds"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="evaluationstate", name="evaluation_owed_idx"),
        # Only the foreign keys' own indexes go; the constraints stay as they are (Django's way of
        # changing db_index drops and re-adds them, validating each on a scan of its table).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="checkinsubmission",
                    name="patient",
                    field=models.ForeignKey(
                        db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="checkin_submissions", to="patients.patient"
                    ),
                ),
                migrations.AlterField(
                    model_name="dailyrecord",
                    name="patient",
                    field=models.ForeignKey(
                        db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="daily_records", to="patients.patient"
                    ),
                ),
            ],
            database_operations=[
                _drop_fk_index("recovery_checkinsubmission_patient_id_e5cb6209", "recovery_checkinsubmission", "patient_id"),
                _drop_fk_index("recovery_dailyrecord_patient_id_e4cc25de", "recovery_dailyrecord", "patient_id"),
            ],
        ),
    ]
