from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language


def healthz(request):
    """Liveness for the container platform: the app answers and reaches its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


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
