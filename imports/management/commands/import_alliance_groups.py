"""manage.py import_alliance_groups FILE [--commit]: see imports/management/commands/_import.py."""

from ._import import ImportCommand


class Command(ImportCommand):
    kind = "alliance-groups"
