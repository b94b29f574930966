from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="imports"),
    path("batches/<int:pk>/", views.batch, name="import_batch"),
    path("<slug:kind>/", views.upload, name="import_upload"),
    path("<slug:kind>/template.xlsx", views.template, name="import_template"),
    path("<slug:kind>/export.xlsx", views.export, name="import_export"),
]
