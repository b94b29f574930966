"""Routing rules name a division (district, street or community) instead of a district
organisation. Three steps, each in its own transaction (PostgreSQL refuses to alter a table
with pending updates in the same one): add the division, map the rules, drop the district."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('places', '0001_divisions_and_places'),
        ('suggestions', '0007_suggestion_place'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='routingrule',
            name='one_rule_per_focus_area_and_district',
        ),
        migrations.RemoveConstraint(
            model_name='routingrule',
            name='one_citywide_rule_per_focus_area',
        ),
        migrations.AddField(
            model_name='routingrule',
            name='division',
            field=models.ForeignKey(blank=True, help_text='A district, street or community. Empty: the whole city, where no rule of a smaller division applies.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.division', verbose_name='division'),
        ),
    ]
