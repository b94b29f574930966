"""The portal's addresses, with stand-ins for WeChat's link and unlink where the portal has
none yet: the messages page names them when WeChat is served (its tests switch it on)."""

from django.conf.urls.i18n import i18n_patterns
from django.http import HttpResponse
from django.urls import path

from hangzhou_cfc.urls import urlpatterns as portal
from messaging.urls import urlpatterns as messaging


def _stand_in(request):
    return HttpResponse("WeChat stand-in")


urlpatterns = list(portal)
urlpatterns += i18n_patterns(
    *[
        path(f"messages/{name}/", _stand_in, name=name)
        for name in ("wechat_link", "wechat_unlink")
        if name not in {pattern.name for pattern in messaging}
    ]
)
