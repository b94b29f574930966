from django.urls import path

from . import views

urlpatterns = [
    path("", views.trail, name="audit_trail"),
]
