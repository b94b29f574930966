import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from . import health


def healthz(request):
    """Liveness: the process answers. Nothing else is asked, so that an outage of the database
    or the broker does not get healthy web processes restarted (that is /readyz's part)."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """Readiness: the database, the broker, a worker and beat, each with its state; 503 with
    Retry-After when one of them is not ok."""
    checks = health.readiness_cached()
    ready = all(state == "ok" for state in checks.values())
    response = JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )
    if not ready:
        response["Retry-After"] = "30"
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def set_language(request):
    """Django's set_language, resolving `next` in the language of its own address.

    The view itself lives at an unprefixed address, so Chinese is active while it runs, and
    Django could not resolve an English `next` such as /en/ to translate it back to /.
    """
    next_url = request.POST.get("next", "")
    language = translation.get_language_from_path(next_url) or settings.LANGUAGE_CODE
    with translation.override(language):
        return django_set_language(request)


def locked_out(request, original_response=None, credentials=None):
    """What django-axes answers to a login that is locked out (429), in the page's language."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)


# How long to wait before trying again while the database is away (seconds).
RETRY_AFTER_DATABASE = 30


def server_error(request):
    """Django's 500, except while the database cannot be reached: then 503 with Retry-After,
    in the page's language (JSON under /api/), because trying again later will work."""
    error = sys.exc_info()[1]
    if not isinstance(error, OperationalError | InterfaceError):
        return defaults.server_error(request)
    if "/api/" in request.path:
        from .api import error_body

        message = _("The portal cannot reach its database just now. Try again in a minute.")
        response = JsonResponse(error_body("unavailable", message), status=503)
    else:
        body = loader.get_template("503.html").render()
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_DATABASE)
    return response
