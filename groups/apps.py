from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = _("Groups and people")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from hangzhou_cfc.middleware import start_the_clock

        from . import permissions  # noqa: F401  (registers the rules)

        user_logged_in.connect(start_the_clock, dispatch_uid="session-idle-clock")
