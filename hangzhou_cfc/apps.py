from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The project itself: its system checks, and the answers kept for Idempotency-Keys."""

    name = "hangzhou_cfc"
    verbose_name = "Hangzhou children's observation group portal"

    def ready(self):
        from . import checks  # noqa: F401  (registers the checks)
