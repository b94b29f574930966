"""Child logins that existed before consent was recorded are closed until a guardian's consent
is recorded (which opens them again)."""

from django.db import migrations


def close(apps, schema_editor):
    User = apps.get_model("groups", "User")
    Consent = apps.get_model("privacy", "Consent")
    consented = Consent.objects.filter(withdrawn_at=None).values("child__user_id")
    User.objects.filter(role="child", is_active=True).exclude(pk__in=consented).update(
        is_active=False
    )


class Migration(migrations.Migration):
    dependencies = [("privacy", "0004_notice_version_is_a_slug"), ("groups", "0004_users_without_first_and_last_names")]

    operations = [migrations.RunPython(close, migrations.RunPython.noop)]
