from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("healthz", views.healthz, name="healthz"),
]

# Chinese, the default, lives at the unprefixed addresses; English under /en/. The language
# of a page follows its address only, so a shared link shows the same language to everyone.
urlpatterns += i18n_patterns(
    path("", include("groups.urls")),
    path("", include("suggestions.urls")),
    path("", include("activities.urls")),
    path("", include("reports.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)
