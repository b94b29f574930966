from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = _("Imports from spreadsheets")

    def ready(self):
        from . import messages, permissions  # noqa: F401  (register the templates and rules)
