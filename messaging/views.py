"""Pages of messaging: the one-click unsubscribe that every e-mail links to (RFC 8058)."""

from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import services
from .models import Topic
from .preferences import unsubscribe_read


@csrf_exempt  # A mail client's one-click POST carries no cookie: the signed token is the proof.
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET asks (a link scanner that follows links must not unsubscribe anybody); POST, from
    the page's button or a mail client's one-click, does it."""
    found = unsubscribe_read(token)
    if found is None:
        return render(request, "messaging/unsubscribe.html", {"invalid": True}, status=404)
    user_id, topic = found
    done = request.method == "POST" and services.preferences_unsubscribe(
        user_id=user_id, topic=topic
    )
    return render(
        request,
        "messaging/unsubscribe.html",
        {"topic": Topic(topic).label, "done": done},
    )
