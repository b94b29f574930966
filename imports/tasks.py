"""Mail that follows an import, sent by the worker once the import is written. The arguments
are ids only: nothing about a person travels through the broker."""

import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from groups.models import Guardianship
from privacy.models import ConsentRequest

logger = logging.getLogger(__name__)


def set_password_link(user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("password_reset_confirm", args=[uid, token])
    return settings.PORTAL_BASE_URL.rstrip("/") + path


@shared_task
def set_password_links_send(user_ids):
    """E-mail each new staff login a link to set their own password (in both languages)."""
    sent = 0
    users = get_user_model().objects.filter(pk__in=user_ids, is_active=True).exclude(email="")
    for user in users.select_related("staff__organisation"):
        parts = []
        link = set_password_link(user)  # one link for both languages
        for language in ("zh-hans", "en"):
            with translation.override(language):
                context = {
                    "role": user.get_role_display(),
                    "organisation": str(user.staff.organisation),
                    "username": user.username,
                    "link": link,
                    "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
                }
                parts.append(render_to_string("imports/email/set_password.txt", context))
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Your login at the children's observation group portal")
        try:
            send_mail(subject, "\n\n".join(parts), None, [user.email], fail_silently=False)
        except (OSError, smtplib.SMTPException):
            logger.warning("set-password link for user %s could not be sent", user.pk)
            continue
        sent += 1
    return sent


@shared_task
def consent_requests_send(guardianship_ids, sent_by_id):
    """Send the consent request of each guardianship an import created (privacy.services)."""
    from privacy.services import consent_request_send

    sent_by = get_user_model().objects.filter(pk=sent_by_id).first()
    sent = 0
    # Run twice (a redelivered task), it sends nothing new: a guardianship with a link still
    # open is left alone.
    open_link = ConsentRequest.objects.filter(
        guardianship=OuterRef("pk"), used_at=None, expires_at__gt=timezone.now()
    )
    waiting = Guardianship.objects.filter(pk__in=guardianship_ids).exclude(Exists(open_link))
    for guardianship in waiting:
        try:
            consent_request_send(guardianship=guardianship, sent_by=sent_by)
        except ValidationError:
            logger.warning("consent request for guardianship %s not sent", guardianship.pk)
            continue
        sent += 1
    return sent


# Acknowledged when received, unlike the project's other tasks: a file that made its worker die
# (out of memory) is not given back to run again and again. Its batch then shows as stalled
# after an hour, and the admin may confirm it again.
@shared_task(acks_late=False, reject_on_worker_lost=False)
def batch_apply(batch_id):
    """Write a confirmed import (imports.services.batch_apply). The argument is the batch's
    id: the file waits, encrypted, in the database."""
    from .services import batch_apply as apply

    batch = apply(batch_id)
    return batch.state if batch else None


@shared_task
def discard_stale_uploads():
    """Hourly: forget the files of previews not confirmed within a day."""
    from .models import ImportBatch

    return ImportBatch.discard_stale()
