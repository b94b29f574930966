from django.contrib.auth import views as auth_views
from django.urls import path

from hangzhou_cfc.effects import portal_url

from . import views
from .forms import SetPasswordLinkForm

urlpatterns = [
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
    # "Forgot your password?", and the link a login opened by an import gets to set its first
    # password (imports/tasks.py): Django's own views, with the portal's templates.
    path(
        "accounts/password/reset/",
        auth_views.PasswordResetView.as_view(
            form_class=SetPasswordLinkForm,
            email_template_name="registration/password_reset_email.txt",
            # The link names the portal's own address, never the Host the request came with.
            extra_email_context={"portal": portal_url()},
            subject_template_name="registration/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
