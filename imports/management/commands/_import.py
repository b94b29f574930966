"""The shared body of the `manage.py import_<kind> FILE [--commit]` commands: the same import as
the admin's page. Without --commit it only shows what would change (a dry run); with it, it
writes all of it or, if any row has a problem, nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from imports.base import ImportRefused
from imports.kinds import IMPORTERS
from imports.tabular import FileProblem


class ImportCommand(BaseCommand):
    kind = ""

    @property
    def help(self):
        return f"Import {self.kind} from an XLSX or CSV file (a dry run unless --commit)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--commit", action="store_true", help="write the changes")

    def handle(self, *args, file, commit, **options):
        importer = IMPORTERS[self.kind]
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(str(error)) from error
        try:
            table = importer.read(data)
        except FileProblem as problem:
            raise CommandError(problem.args[0]) from problem
        plan = importer.plan(table)
        self._show(plan)
        if not plan.ok:
            raise CommandError(_("Nothing was written: correct the rows above and run it again."))
        if not commit:
            self.stdout.write(_("A dry run: nothing was written. Add --commit to write it."))
            return
        try:
            importer.apply(table)
        except ImportRefused as refused:
            for message in refused.plan.problems:
                self.stderr.write(message)
            for row in refused.plan.rows:
                for problem in row.problems:
                    self.stdout.write(f"{row.number:>6}  {problem}")
            raise CommandError(
                _("Nothing was written: correct the rows above and run it again.")
            ) from refused
        self.stdout.write(self.style.SUCCESS(_("Written.")))

    def _show(self, plan):
        for message in plan.problems:
            self.stderr.write(message)
        for row in plan.rows:
            line = f"{row.number:>6}  {row.action:<9}  {row.key}"
            if row.changes:
                line += "  " + "; ".join(
                    f"{name}: {old or '—'} → {new}" for name, old, new in row.changes
                )
            self.stdout.write(line)
            for problem in row.problems:
                self.stdout.write(f"        {problem}")
        self.stdout.write(
            _(
                "%(create)s to create, %(update)s to update, %(unchanged)s unchanged, "
                "%(refused)s refused."
            )
            % plan.counts()
        )
