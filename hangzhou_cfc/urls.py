from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from activities.api import (
    ActivityViewSet,
    PracticeBaseViewSet,
    ProgrammeViewSet,
    TrainingSessionViewSet,
)
from groups.api import ObservationGroupViewSet, SubTeamViewSet
from places.api import DivisionViewSet, PlaceViewSet
from reports.api import YearFiguresView
from suggestions import open311
from suggestions.api import ImplementedViewSet, SuggestionViewSet

from . import views

router = DefaultRouter()
router.register("suggestions", SuggestionViewSet, basename="api-suggestion")
router.register("implemented", ImplementedViewSet, basename="api-implemented")
router.register("groups", ObservationGroupViewSet, basename="api-group")
router.register("sub-teams", SubTeamViewSet, basename="api-sub-team")
router.register("practice-bases", PracticeBaseViewSet, basename="api-practice-base")
router.register("programmes", ProgrammeViewSet, basename="api-programme")
router.register("training-sessions", TrainingSessionViewSet, basename="api-training-session")
router.register("activities", ActivityViewSet, basename="api-activity")
router.register("divisions", DivisionViewSet, basename="api-division")
router.register("places", PlaceViewSet, basename="api-place")

urlpatterns = [
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    # The API: one language-neutral address; messages follow Accept-Language.
    path("api/v1/", include(router.urls)),
    path("api/v1/figures/<int:year>/", YearFiguresView.as_view(), name="api-figures"),
    # Open311 GeoReport v2 (read only): services are focus areas, requests are suggestions.
    path("api/open311/v2/", include(open311.urlpatterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI with nothing inline, for the Content-Security-Policy: the split view serves its
    # start-up script as a file of its own (?script), the template drops the inline <style>.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/docs.html"),
        name="api-docs",
    ),
]

# Chinese, the default, lives at the unprefixed addresses; English under /en/. The language
# of a page follows its address only, so a shared link shows the same language to everyone.
urlpatterns += i18n_patterns(
    # The address people guess for the login page.
    path("login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("", include("home.urls")),
    path("", include("groups.urls")),
    path("", include("suggestions.urls")),
    path("", include("places.urls")),
    path("", include("messaging.urls")),
    path("", include("activities.urls")),
    path("", include("reports.urls")),
    path("audit/", include("audit.urls")),
    path("", include("privacy.urls")),
    path("imports/", include("imports.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)

# While the database cannot be reached, a 503 with Retry-After instead of the 500 page.
handler500 = "hangzhou_cfc.views.server_error"
