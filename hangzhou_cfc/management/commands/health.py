from django.core.management.base import BaseCommand, CommandError

from hangzhou_cfc import health


class Command(BaseCommand):
    help = (
        "Print the state of the database, the broker, a worker and beat, as /readyz does; "
        "exit 1 when one of those asked for is not ok (docker-compose's health checks)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--only",
            action="append",
            choices=health.CHECKS,
            help="Check only this part (may be given more than once).",
        )

    def handle(self, *args, only=None, **options):
        checks = health.readiness(tuple(only or health.CHECKS))
        for name, state in checks.items():
            self.stdout.write(f"{name}: {state}")
        if any(state != "ok" for state in checks.values()):
            raise CommandError("not ready")
