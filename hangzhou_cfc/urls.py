from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from activities.api import PracticeBaseViewSet, ProgrammeViewSet
from groups.api import ObservationGroupViewSet, SubTeamViewSet
from reports.api import YearFiguresView
from suggestions.api import ImplementedViewSet, SuggestionViewSet

from . import views

router = DefaultRouter()
router.register("suggestions", SuggestionViewSet, basename="api-suggestion")
router.register("implemented", ImplementedViewSet, basename="api-implemented")
router.register("groups", ObservationGroupViewSet, basename="api-group")
router.register("sub-teams", SubTeamViewSet, basename="api-sub-team")
router.register("practice-bases", PracticeBaseViewSet, basename="api-practice-base")
router.register("programmes", ProgrammeViewSet, basename="api-programme")

urlpatterns = [
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("healthz", views.healthz, name="healthz"),
    # The API: one language-neutral address; messages follow Accept-Language.
    path("api/v1/", include(router.urls)),
    path("api/v1/figures/<int:year>/", YearFiguresView.as_view(), name="api-figures"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
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
