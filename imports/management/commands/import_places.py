"""manage.py import_places FILE [--commit]: see imports/management/commands/_import.py."""

from ._import import ImportCommand


class Command(ImportCommand):
    kind = "places"
