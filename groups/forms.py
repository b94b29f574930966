from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm

from .models import Role


class SetPasswordLinkForm(PasswordResetForm):
    """ "Forgot your password?": also for logins opened by an import, which have no password
    yet (Django's form leaves out logins without a usable password). Children's logins are
    left out: a child's password is set by the programme office once a guardian consents."""

    def get_users(self, email):
        users = (
            get_user_model()
            ._default_manager.filter(email__iexact=email, is_active=True)
            .exclude(role=Role.CHILD)
        )
        return (user for user in users if user.email.lower() == email.lower())
