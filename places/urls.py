from django.urls import path

from . import views

urlpatterns = [
    path("places/search/", views.search, name="places_search"),
    path("places/divisions/", views.divisions, name="places_divisions"),
]
