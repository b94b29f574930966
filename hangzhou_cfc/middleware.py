"""Sessions end after SESSION_IDLE_TIMEOUT without a request.

The time of the last request is kept in the session, written at most once a minute (not on
every request). A session found idle for too long is ended: the person is logged out and, on
a page, sent to the login form with a message saying why.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils import timezone
from django.utils.translation import gettext as _

LAST_SEEN = "last_seen"
WRITE_EVERY = timedelta(minutes=1)


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = timezone.now()
            last_seen = request.session.get(LAST_SEEN)
            if last_seen is not None and now.timestamp() - last_seen > (
                settings.SESSION_IDLE_TIMEOUT.total_seconds()
            ):
                logout(request)
                if "/api/" not in request.path:
                    messages.info(
                        request,
                        _("You were logged out after %(minutes)d minutes without activity.")
                        % {"minutes": settings.SESSION_IDLE_TIMEOUT.total_seconds() // 60},
                    )
                    return redirect_to_login(request.get_full_path())
            elif last_seen is None or now.timestamp() - last_seen > WRITE_EVERY.total_seconds():
                request.session[LAST_SEEN] = now.timestamp()
        return self.get_response(request)


def start_the_clock(sender, request, user, **kwargs):
    """At login (connected to `user_logged_in` by the groups app): the session's first
    request need not write the session."""
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN] = timezone.now().timestamp()
