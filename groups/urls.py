from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("groups/<int:pk>/", views.group_detail, name="group_detail"),
    path("sub-teams/<int:pk>/", views.sub_team_detail, name="sub_team_detail"),
    path("alliance/", views.alliance, name="alliance"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]
