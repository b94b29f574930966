"""The imports' messages (messaging/): the e-mail that asks a new staff login to set its own
password.

Its link is made when the e-mail is sent, never before: Django's password-reset token is
derived from the login's state and the time, so the link works for PASSWORD_RESET_TIMEOUT from
then, however late a mail server that was away lets it go; and it is never stored, logged or
passed to a task.
"""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy

from groups.models import StaffMember
from hangzhou_cfc.effects import bilingual_mail, portal_url
from messaging.services import template

SET_PASSWORD = "imports.set_password"  # noqa: S105  (a template's name)


def set_password_link(user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("password_reset_confirm", args=[uid, token])
    return portal_url(path)


@template(SET_PASSWORD)
def set_password(message):
    """In both languages: the portal does not know which one the person reads. Nothing to say
    once the login has a password (set meanwhile through "Forgot your password?", or by an
    admin: the link would only reset it) or is no longer a staff login. A login closed
    meanwhile is not written to at all (messaging.services._take)."""
    user = message.recipient
    member = StaffMember.objects.select_related("organisation").filter(user=user).first()
    if member is None or user.has_usable_password():
        return None
    link = set_password_link(user)  # one link for both languages
    return bilingual_mail(
        "imports/email/set_password.txt",
        lambda: {
            "role": user.get_role_display(),
            "organisation": str(member.organisation),
            "username": user.username,
            "link": link,
            "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
        },
        gettext_lazy("Your login at the children's observation group portal"),
    )
