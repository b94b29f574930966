from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Children's privacy")

    def ready(self):
        from . import messages, permissions  # noqa: F401  (register the templates and rules)
