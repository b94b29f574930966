from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _load_divisions(sender, using, **kwargs):
    from .services import divisions_load

    divisions_load(using=using)


class PlacesConfig(AppConfig):
    name = "places"
    verbose_name = _("Places")

    def ready(self):
        # After every migrate and flush: the divisions are reference data every database has.
        post_migrate.connect(_load_divisions, sender=self, dispatch_uid="places-divisions")
