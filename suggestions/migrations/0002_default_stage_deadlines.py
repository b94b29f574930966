from django.db import migrations

DEFAULTS = {"school": 7, "community": 14, "department": 30}


def create_defaults(apps, schema_editor):
    StageDeadline = apps.get_model("suggestions", "StageDeadline")
    for stage, days in DEFAULTS.items():
        StageDeadline.objects.get_or_create(stage=stage, defaults={"days": days})


class Migration(migrations.Migration):
    dependencies = [("suggestions", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
