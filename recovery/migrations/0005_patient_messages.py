# The patients' messages that wait for a nurse; the web check-in channel.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('patients', '0002_drop_indexes_repeated_by_composites'),
        ('recovery', '0004_lighter_writes_of_a_checkin'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='checkinsubmission',
            name='channel',
            field=models.CharField(choices=[('app', 'Mobile app'), ('sync', 'Mobile app (offline sync)'), ('sms', 'SMS reply'), ('staff', 'Entered by staff'), ('web', 'Web check-in page')], max_length=8),
        ),
        migrations.AlterField(
            model_name='dailyrecord',
            name='channel',
            field=models.CharField(choices=[('app', 'Mobile app'), ('sync', 'Mobile app (offline sync)'), ('sms', 'SMS reply'), ('staff', 'Entered by staff'), ('web', 'Web check-in page')], default='app', max_length=8),
        ),
        migrations.CreateModel(
            name='PatientMessage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('channel', models.CharField(choices=[('app', 'Mobile app'), ('sync', 'Mobile app (offline sync)'), ('sms', 'SMS reply'), ('staff', 'Entered by staff'), ('web', 'Web check-in page')], max_length=8)),
                ('reason', models.CharField(choices=[('note', 'Note written with a check-in'), ('not_understood', 'Text the service could not fully read'), ('shared_phone', 'Text from a phone shared by several patients')], max_length=16)),
                ('text', models.TextField(blank=True, max_length=2000)),
                ('received_at', models.DateTimeField()),
                ('date', models.DateField(blank=True, null=True)),
                ('source', models.CharField(blank=True, max_length=64)),
                ('read_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('candidates', models.ManyToManyField(blank=True, related_name='candidate_messages', to='patients.patient')),
                ('clinic', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='patient_messages', to='patients.clinic')),
                ('patient', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='patient_messages', to='patients.patient')),
                ('read_by', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-received_at', '-id'],
                'indexes': [models.Index(condition=models.Q(('read_at__isnull', True)), fields=['clinic', '-received_at'], name='patient_message_unread_idx'), models.Index(fields=['clinic', '-received_at'], name='patient_message_clinic_idx'), models.Index(fields=['patient', '-received_at'], name='patient_message_patient_idx')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('source', ''), _negated=True), fields=('reason', 'source'), name='patient_message_unique_source'), models.CheckConstraint(condition=models.Q(models.Q(('patient__isnull', True), ('reason', 'shared_phone')), models.Q(models.Q(('reason', 'shared_phone'), _negated=True), ('patient__isnull', False)), _connector='OR'), name='patient_message_patient_unless_shared_phone'), models.CheckConstraint(condition=models.Q(('read_by__isnull', True), ('read_at__isnull', False), _connector='OR'), name='patient_message_read_by_when_read')],
            },
        ),
    ]
