"""Work that follows an import, done by the worker once the import is written. The arguments
are ids only: nothing about a person travels through the broker."""

import logging

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils import timezone

from groups.models import Guardianship
from privacy.models import ConsentRequest

logger = logging.getLogger(__name__)


@shared_task
def set_password_links_send(user_ids):
    """Only for tasks an import queued before these e-mails went through the outbox: put them
    there (each login once). Imports now write them with the logins (imports/staff.py)."""
    from .services import set_password_links_queue

    return len(set_password_links_queue(user_ids=user_ids))


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
    from .services import batch_discard_stale

    return batch_discard_stale()
