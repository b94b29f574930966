from django.urls import path

from . import views
from .models import Audience

urlpatterns = [
    path("privacy/", views.notice, {"audience": Audience.CHILDREN}, name="privacy_children"),
    path(
        "privacy/guardians/",
        views.notice,
        {"audience": Audience.GUARDIANS},
        name="privacy_guardians",
    ),
    path(
        "privacy/<slug:audience>/versions/<slug:version>/",
        views.notice,
        name="privacy_notice_version",
    ),
    path("privacy/consent/<slug:token>/", views.consent_by_link, name="consent_by_link"),
    path("privacy/my-children/<int:pk>/", views.guardian_child, name="guardian_child_privacy"),
    path(
        "privacy/my-children/<int:pk>/consent/",
        views.guardian_consent,
        name="guardian_consent",
    ),
    path(
        "privacy/my-children/<int:pk>/photos/",
        views.guardian_photo_consent,
        name="guardian_photo_consent",
    ),
    path(
        "privacy/my-children/<int:pk>/withdraw/",
        views.guardian_withdraw,
        name="guardian_withdraw",
    ),
    path("privacy/my-children/<int:pk>/delete/", views.guardian_delete, name="guardian_delete"),
    path(
        "privacy/my-children/<int:pk>/data.json",
        views.guardian_download,
        name="guardian_download",
    ),
    path("privacy/children/", views.children, name="privacy_children_list"),
    path("privacy/children/<int:pk>/", views.child_admin, name="privacy_child"),
    path("privacy/children/<int:pk>/record/", views.personal_record, name="personal_record"),
    path("privacy/access-log/", views.access_log, name="access_log"),
]
