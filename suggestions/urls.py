from django.urls import path

from . import views

urlpatterns = [
    path("suggestions/", views.my_suggestions, name="my_suggestions"),
    path("suggestions/new/", views.suggestion_new, name="suggestion_new"),
    path("suggestions/<int:pk>/", views.suggestion_detail, name="suggestion_detail"),
    path("suggestions/<int:pk>/edit/", views.suggestion_edit, name="suggestion_edit"),
    path("suggestions/<int:pk>/photo/", views.suggestion_photo, name="suggestion_photo"),
    path("suggestions/<int:pk>/sent/", views.suggestion_sent, name="suggestion_sent"),
    path(
        "suggestions/<int:pk>/place/",
        views.suggestion_place_correct,
        name="suggestion_place_correct",
    ),
    path("suggestions/<int:pk>/<slug:action>/", views.suggestion_act, name="suggestion_act"),
    path("inbox/", views.inbox, name="inbox"),
    path("notifications/", views.notifications, name="notifications"),
    path("you-said-we-did/", views.implemented, name="implemented"),
    path("suggestions/search/", views.suggestion_search, name="suggestion_search"),
    path("suggestions/similar/", views.suggestion_similar, name="suggestion_similar"),
    # Not under suggestions/<pk>/, where every other word is a workflow action.
    path("me-too/<int:pk>/", views.suggestion_voice, name="suggestion_voice"),
]
