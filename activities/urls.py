from django.urls import path

from . import views

urlpatterns = [
    path("sub-teams/<int:pk>/training/", views.sub_team_training, name="sub_team_training"),
    path("sub-teams/<int:pk>/training/new/", views.training_new, name="training_new"),
    path("training/<int:pk>/edit/", views.training_edit, name="training_edit"),
]
