"""manage.py import_routing_rules FILE [--commit]: see imports/management/commands/_import.py."""

from ._import import ImportCommand


class Command(ImportCommand):
    kind = "routing-rules"
