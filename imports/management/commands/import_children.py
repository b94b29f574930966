"""manage.py import_children FILE [--commit]: see imports/management/commands/_import.py."""

from ._import import ImportCommand


class Command(ImportCommand):
    kind = "children"
