"""Pages of messaging: the one-click unsubscribe that every e-mail links to (RFC 8058), and
each adult's messages page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from groups.models import Role

from . import selectors, services
from .forms import PreferencesForm
from .models import Channel, Preferences, Topic
from .preferences import CHOICES, unsubscribe_read
from .transports import channels_available


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


# --- The messages page ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def message_preferences(request):
    """Each adult's page: how and in which language the portal tells them what happened. A
    child has none (403): their guardian decides, on this page of theirs."""
    user = request.user
    if user.role not in CHOICES:
        raise PermissionDenied
    preferences = Preferences.objects.filter(user=user).first()
    children = selectors.children_of_guardian(user)
    form = PreferencesForm(
        request.POST if request.method == "POST" else None,
        user=user,
        preferences=preferences,
        children=children,
    )
    if request.method == "POST":
        if form.children_posted() - {child.pk for child in children}:
            raise PermissionDenied
        if form.is_valid():
            services.preferences_save(
                user=user,
                language=form.cleaned_data["language"],
                channels=form.channels(),
                phone=form.phone(),
                children=form.children_channels(),
            )
            messages.success(request, _("Saved. From now on we tell you this way."))
            return redirect("message_preferences")
    served = channels_available()
    return render(
        request,
        "messaging/preferences.html",
        {
            "form": form,
            "preferences": preferences,
            "wechat": user.role == Role.GUARDIAN and Channel.WECHAT in served,
            "quiet": user.role == Role.GUARDIAN
            and bool({Channel.SMS, Channel.WECHAT} & set(served)),
        },
        status=400 if form.errors else 200,
    )
