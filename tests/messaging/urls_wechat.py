"""The portal's addresses, with a stand-in for the message settings page
(`message_preferences`) while the portal has none: the WeChat views send the guardian back
there. Once the page exists this adds nothing."""

from django.conf.urls.i18n import i18n_patterns
from django.http import HttpResponse
from django.urls import NoReverseMatch, path, reverse

from hangzhou_cfc.urls import handler500, urlpatterns  # noqa: F401

try:
    reverse("message_preferences", urlconf="hangzhou_cfc.urls")
except NoReverseMatch:
    urlpatterns = urlpatterns + i18n_patterns(
        path(
            "messages/settings/",
            lambda request: HttpResponse("message settings"),
            name="message_preferences",
        ),
        prefix_default_language=False,
    )
