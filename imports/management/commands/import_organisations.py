"""manage.py import_organisations FILE [--commit]: see imports/management/commands/_import.py."""

from ._import import ImportCommand


class Command(ImportCommand):
    kind = "organisations"
