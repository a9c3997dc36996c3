import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _drop_fk_index(name: str, table: str, column: str):
    return migrations.RunSQL(
        f'DROP INDEX IF EXISTS "{name}"',
        reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
    )


class Migration(migrations.Migration):
    """The audit trail's actor and patient keys lose their own indexes: audit_actor_idx and
    audit_patient_idx lead with the same columns, and every API call writes a row here."""

    dependencies = [
        ("patients", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Only the indexes go; the constraints stay as they are (Django's way of changing db_index
        # drops and re-adds them, validating each on a scan of the table).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="patient",
                    field=models.ForeignKey(
                        blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                        to="patients.patient",
                    ),
                ),
            ],
            database_operations=[
                _drop_fk_index("patients_auditevent_actor_id_a7ba737b", "patients_auditevent", "actor_id"),
                _drop_fk_index("patients_auditevent_patient_id_92f1e078", "patients_auditevent", "patient_id"),
            ],
        ),
    ]
