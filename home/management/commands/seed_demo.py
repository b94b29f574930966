from auditlog.context import disable_auditlog
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from activities import demo as activities_demo
from activities import demo_directory
from groups import demo as groups_demo
from groups.demo import DEMO_LOGINS, DEMO_PASSWORD, staff_logins
from places import demo as places_demo
from privacy import demo as privacy_demo
from suggestions import demo as suggestions_demo

# Each app that brings demo data adds its seeder here, in the order they build on each other.
# A seeder is idempotent: a second run changes nothing. The command lives in `home`, on top of
# every app, so that it may import them all.
SEEDERS = [
    groups_demo.seed,
    places_demo.seed,
    privacy_demo.seed,
    suggestions_demo.seed,
    demo_directory.seed,
    activities_demo.seed,
]


class Command(BaseCommand):
    help = "Load the Hangzhou demo data and the demo logins. Running it again changes nothing."

    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                _("Demo data is not allowed with these settings (DEMO_DATA_ALLOWED is off).")
            )
        # Names stored by the seeders are in the portal's default language. The demo data is
        # nobody's action: it leaves no entry in the audit trail.
        with translation.override(settings.LANGUAGE_CODE), disable_auditlog():
            for seed in SEEDERS:
                seed()
            self.stdout.write(self.style.SUCCESS(_("Demo data is loaded.")))
            self.stdout.write(
                _("Demo logins (the password of each is %(password)s):")
                % {"password": DEMO_PASSWORD}
            )
            for username, role, _display_name in DEMO_LOGINS:
                self.stdout.write(f"  {username:<12} {role.label}")
            self.stdout.write(
                _(
                    "Every other school, community and city department the demo's suggestions "
                    "reach has a login of its own, with the same password:"
                )
            )
            for username, organisation in staff_logins():
                self.stdout.write(
                    f"  {username:<32} {organisation.get_kind_display()} {organisation}"
                )
