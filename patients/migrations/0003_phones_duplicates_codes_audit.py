# One person, one record; a phone held by one clinic's active patients only; the audit trail
# append-only in the database. The last two are PostgreSQL's (an exclusion constraint and a trigger);
# on SQLite, the development default, the services hold the phone rule alone.

import django.db.models.functions.text
import patients.validators
from django.conf import settings
from django.db import migrations, models

PHONE_EXCLUSION = "patient_phone_one_active_clinic"

POSTGRES_FORWARD = [
    # btree_gist lets a GiST index compare plain columns with = and <> (trusted since PostgreSQL 13:
    # the database owner may create it).
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""ALTER TABLE patients_patient ADD CONSTRAINT {PHONE_EXCLUSION}
        EXCLUDE USING gist (phone WITH =, clinic_id WITH <>) WHERE (monitoring_ended_at IS NULL)""",
    # The audit trail refuses UPDATE and DELETE. The one change let through is the foreign keys'
    # ON DELETE SET NULL (a deleted user or patient): actor_id or patient_id set to NULL, nothing
    # else touched, so the row's text (actor_label, action, detail, when) survives. TRUNCATE is left
    # to the database owner (the test suite empties tables with it).
    """CREATE OR REPLACE FUNCTION patients_auditevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE'
           AND (NEW.actor_id IS NULL OR NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id)
           AND (NEW.patient_id IS NULL OR NEW.patient_id IS NOT DISTINCT FROM OLD.patient_id)
           AND (NEW.id, NEW.at, NEW.actor_label, NEW.action, NEW.resource, NEW.detail, NEW.channel, NEW.ip_address)
               IS NOT DISTINCT FROM
               (OLD.id, OLD.at, OLD.actor_label, OLD.action, OLD.resource, OLD.detail, OLD.channel, OLD.ip_address)
        THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'the audit trail is append-only: % refused on %', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END
    $$""",
    """CREATE TRIGGER patients_auditevent_append_only BEFORE UPDATE OR DELETE ON patients_auditevent
        FOR EACH ROW EXECUTE FUNCTION patients_auditevent_append_only()""",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS patients_auditevent_append_only ON patients_auditevent",
    "DROP FUNCTION IF EXISTS patients_auditevent_append_only()",
    f"ALTER TABLE patients_patient DROP CONSTRAINT IF EXISTS {PHONE_EXCLUSION}",
]


def _on_postgres(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql, None)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('patients', '0002_drop_indexes_repeated_by_composites'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='clinic',
            name='phone_region',
            field=models.CharField(default='US', help_text='Two-letter country code in which phone numbers typed without +country are read, e.g. US.', max_length=2, validators=[patients.validators.validate_phone_region]),
        ),
        migrations.AddField(
            model_name='enrollmentcode',
            name='seed',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddConstraint(
            model_name='patient',
            constraint=models.UniqueConstraint(models.F('clinic'), models.F('phone'), django.db.models.functions.text.Lower('first_name'), django.db.models.functions.text.Lower('last_name'), models.F('surgery_date'), name='patient_unique_person_per_clinic', violation_error_message='This clinic already has this patient (same phone, name and surgery date).'),
        ),
        migrations.RunPython(_on_postgres(POSTGRES_FORWARD), _on_postgres(POSTGRES_BACKWARD), elidable=False),
    ]
