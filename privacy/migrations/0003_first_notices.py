"""The first version of the privacy page for children and of the notice for guardians."""

from django.db import migrations


def publish(apps, schema_editor):
    from privacy.first_notices import publish as publish_first_notices

    publish_first_notices(apps.get_model("privacy", "PrivacyNotice"))


class Migration(migrations.Migration):
    dependencies = [("privacy", "0002_access_log_append_only")]

    operations = [migrations.RunPython(publish, migrations.RunPython.noop)]
