from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('suggestions', '0009_routing_rule_division_data'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='routingrule',
            name='district',
        ),
        migrations.AddConstraint(
            model_name='routingrule',
            constraint=models.UniqueConstraint(fields=('focus_area', 'division'), name='one_rule_per_focus_area_and_division', violation_error_message='There is already a rule for this focus area here.'),
        ),
        migrations.AddConstraint(
            model_name='routingrule',
            constraint=models.UniqueConstraint(condition=models.Q(('division__isnull', True)), fields=('focus_area',), name='one_citywide_rule_per_focus_area', violation_error_message='There is already a city-wide rule for this focus area.'),
        ),
    ]
