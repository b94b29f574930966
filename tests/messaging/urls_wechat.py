"""The portal's addresses, with a stand-in for the message settings page
(`message_preferences`) while the portal has none: the WeChat views send the guardian back
there. It shows the WeChat part that page includes (templates/messaging/_wechat.html).
Once the page exists this adds nothing."""

from django.conf.urls.i18n import i18n_patterns
from django.http import HttpResponse
from django.template import engines
from django.urls import NoReverseMatch, path, reverse

from hangzhou_cfc.urls import handler500, urlpatterns  # noqa: F401

PAGE = """{% extends "base.html" %}{% block title %}Message settings{% endblock %}
{% block content %}<h1>Message settings</h1>
{% include "messaging/_wechat.html" with linked_at=linked_at %}{% endblock %}"""


def message_settings(request):
    from messaging.models import Preferences

    preferences = Preferences.objects.filter(user=request.user.pk).first()
    linked_at = preferences.wechat_linked_at if preferences else None
    return HttpResponse(
        engines["django"].from_string(PAGE).render({"linked_at": linked_at}, request)
    )


try:
    reverse("message_preferences", urlconf="hangzhou_cfc.urls")
except NoReverseMatch:
    urlpatterns = urlpatterns + i18n_patterns(
        path("messages/settings/", message_settings, name="message_preferences"),
        prefix_default_language=False,
    )
