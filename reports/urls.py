from django.urls import path

from . import views

urlpatterns = [
    path("reports/", views.dashboard, name="report_dashboard"),
    path("reports/exports/", views.export_request, name="report_export_request"),
    path("reports/exports/<int:pk>/", views.export_download, name="report_export_download"),
    path(
        "reports/suggestions-<int:year>.csv", views.suggestions_csv, name="report_suggestions_csv"
    ),
    path("figures/", views.public_figures, name="public_figures"),
]
