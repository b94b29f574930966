"""The privacy app's messages (messaging/): the consent request e-mailed to a guardian."""

from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from hangzhou_cfc.effects import bilingual_mail, portal_url
from messaging.services import template

from .models import ConsentRequest

CONSENT_REQUEST = "privacy.consent_request"


def _days_left(expires_at: datetime, now: datetime) -> int:
    """Whole days, never more than are left but for an hour: a link sent at once still reads
    CONSENT_LINK_DAYS; one a mail server held back a day reads a day less."""
    return (expires_at - now + timedelta(hours=1)) // timedelta(days=1)


@template(CONSENT_REQUEST, secret=True)
def consent_request(message):
    """In both languages: the portal does not know which one the guardian reads. The link is
    made from the secret the message keeps sealed, which must be the request's own.

    Nothing is sent when there is nothing left to ask: the request is gone (the child's data
    was deleted) or used, the guardian consented meanwhile, the child's deletion is on its
    way, the guardian's address is no longer the one the request records, or less than a day
    of the link is left. The office's page then shows the e-mail as not sent, and a new link
    can be sent from it."""
    token = message.secret()
    request = (
        ConsentRequest.objects.for_token(token)
        .filter(pk=message.context.get("consent_request"))
        .first()
    )
    if request is None or request.used_at is not None:
        return None
    guardian, child = request.guardianship.guardian, request.guardianship.child
    if (guardian.user_id, request.sent_to) != (message.recipient_id, message.recipient.email):
        return None
    if child.anonymised_at is not None or child.deletion_requests.filter(done_at=None).exists():
        return None
    if child.consents.filter(guardian=guardian, withdrawn_at=None).exists():
        return None
    days = _days_left(request.expires_at, timezone.now())
    if days < 1:
        return None
    # The link opens in Chinese, the portal's default; the page offers English.
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("consent_by_link", args=[token])
    context = {
        "child": child.pseudonym,
        "link": portal_url(path),
        "days": days,
    }
    return bilingual_mail(
        "privacy/email/consent_request.txt",
        context,
        gettext_lazy("Consent for your child's account at the children's observation group"),
    )
