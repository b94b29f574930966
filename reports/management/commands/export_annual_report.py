"""The annual report for the programme office's own scripts: the same file as the dashboard's.

manage.py export_annual_report --year 2026 --format pdf --output report.pdf [--language en]
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reports.exports import FORMATS
from reports.figures import FIRST_YEAR, valid_year
from reports.services import report_file


class Command(BaseCommand):
    help = "Write the annual report of a year as XLSX, PDF or CSV (zipped)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--format", choices=sorted(FORMATS), required=True)
        parser.add_argument("--output", type=Path, required=True)
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
        )

    def handle(self, *args, year, format, output, language, **options):
        if not valid_year(year):
            raise CommandError(f"--year must be between {FIRST_YEAR} and next year.")
        if output.parent and not output.parent.exists():
            raise CommandError(f"The folder {output.parent} does not exist.")
        content = report_file(year, format, language)
        output.write_bytes(content.read())
        self.stdout.write(f"{output} ({output.stat().st_size:,} bytes)")
