import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hangzhou_cfc.settings.local")

app = Celery("hangzhou_cfc")
# All Celery settings live in Django's settings, prefixed CELERY_.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
