"""Pages of messaging: the one-click unsubscribe that every e-mail links to (RFC 8058), and
each adult's messages page, and the linking of a guardian's WeChat."""

import secrets
import time
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from wechatpy.exceptions import WeChatOAuthException

from groups.models import Role
from hangzhou_cfc.effects import portal_url

from . import selectors, services
from .forms import PreferencesForm
from .models import Channel, Preferences, Topic
from .preferences import CHOICES, unsubscribe_read
from .transports import channels_available
from .transports.wechat import openid_for_code


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


# --- Linking a guardian's WeChat ------------------------------------------------------------
# The Official Account's web authorization (OAuth 2.0, scope snsapi_base): the guardian opens
# their preferences page inside WeChat and presses "Link"; WeChat sends them straight back to
# wechat_callback with a code, which the portal exchanges for the openid that template
# messages are sent to. The state ties the answer to the session and login that asked for it.

_WECHAT_STATE = "messaging.wechat_link.state"
# How long the guardian has to come back from WeChat.
WECHAT_STATE_SECONDS = 600


def _wechat_state_mac(user, nonce: str, issued: int) -> str:
    return salted_hmac(_WECHAT_STATE, f"{user.pk}:{nonce}:{issued}", algorithm="sha256").hexdigest()


def _wechat_state_new(request) -> str:
    """A signed state for this session and login. WeChat takes only letters and digits (at
    most 128), so it is hex: the nonce kept in the session, then its signature."""
    nonce, issued = secrets.token_hex(16), int(time.time())
    request.session[_WECHAT_STATE] = [nonce, issued]
    return nonce + _wechat_state_mac(request.user, nonce, issued)


def _wechat_state_ok(request, state: str) -> bool:
    """The state this session was given, for this login, not long ago; good once."""
    kept = request.session.pop(_WECHAT_STATE, None)
    if not kept or not isinstance(state, str):
        return False
    nonce, issued = kept
    expected = nonce + _wechat_state_mac(request.user, nonce, issued)
    return constant_time_compare(state, expected) and time.time() - issued <= WECHAT_STATE_SECONDS


def _guardian(request):
    if not settings.WECHAT_APP_ID:
        raise Http404
    if request.user.role != Role.GUARDIAN:
        raise PermissionDenied


def _wechat_refused(request, problem: str, status: int = 400):
    """Nothing linked: the page says why, in the guardian's language."""
    return render(
        request,
        "messaging/wechat_link.html",
        {"problem": problem, "preferences": reverse("message_preferences")},
        status=status,
    )


@login_required
@require_POST
def wechat_link(request):
    _guardian(request)
    query = urlencode(
        {
            "appid": settings.WECHAT_APP_ID,
            "redirect_uri": portal_url(reverse("wechat_callback")),
            "response_type": "code",
            "scope": "snsapi_base",
            "state": _wechat_state_new(request),
        }
    )
    return redirect(f"{settings.WECHAT_OAUTH_AUTHORIZE_URL}?{query}#wechat_redirect")


@login_required
@require_GET
def wechat_callback(request):
    _guardian(request)
    if not _wechat_state_ok(request, request.GET.get("state", "")):
        return _wechat_refused(
            request,
            _("This link is old or was not made for you. Please press “Link WeChat” again."),
        )
    code = request.GET.get("code", "")
    if not code:
        return _wechat_refused(
            request, _("WeChat did not say yes. Please press “Link WeChat” again.")
        )
    try:
        openid = openid_for_code(code)
    except WeChatOAuthException:
        return _wechat_refused(
            request, _("WeChat did not accept this link. Please press “Link WeChat” again.")
        )
    except requests.RequestException:
        return _wechat_refused(
            request, _("WeChat cannot be reached now. Please try again later."), status=503
        )
    services.preferences_wechat_link(user=request.user, openid=openid)
    messages.success(request, _("Your WeChat is linked. Messages now reach you there too."))
    return redirect("message_preferences")


@login_required
@require_POST
def wechat_unlink(request):
    _guardian(request)
    services.preferences_wechat_link(user=request.user, openid="")
    messages.success(request, _("Your WeChat is no longer linked."))
    return redirect("message_preferences")
