"""Writes of the import pages: an upload waits for its confirmation; a confirmation hands the
file to the worker, which writes all of it or nothing, once.

The worker writes it, not the web request: a roster of 50,000 children takes longer to write
than a web server waits for a request.
"""

import hashlib
import logging

from auditlog.context import set_actor
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DatabaseError, DataError, IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from groups.fields import _fernet
from groups.models import Guardianship, User
from hangzhou_cfc.effects import after_commit, task_send
from messaging.models import Message
from messaging.services import messages_queue
from privacy.models import ConsentRequest

from .base import Action, Importer, ImportRefused
from .kinds import IMPORTERS
from .messages import SET_PASSWORD
from .models import KEEP_PENDING, ImportBatch
from .tabular import FileProblem

logger = logging.getLogger(__name__)


class BatchClosed(Exception):
    """The preview was confirmed already, or discarded: nothing more can be written from it."""


@transaction.atomic
def batch_upload(*, importer: Importer, file_name: str, data: bytes, user: User) -> ImportBatch:
    """Keep the uploaded file, encrypted, until its preview is confirmed or a day has passed."""
    batch_discard_stale()
    batch = ImportBatch.objects.create(
        kind=importer.slug,
        file_name=file_name[:200],
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        data=_fernet().encrypt(data),
        uploaded_by=user,
    )
    logger.info("import %s (%s) uploaded by user %s", batch.pk, importer.slug, user.pk)
    return batch


def batch_discard_stale() -> int:
    """Forget the files of previews not confirmed within a day, and of confirmed files the
    worker never wrote within a day."""
    day_ago = timezone.now() - KEEP_PENDING
    return ImportBatch.objects.filter(
        Q(state=ImportBatch.State.PENDING, uploaded_at__lt=day_ago)
        | Q(state=ImportBatch.State.APPLYING, confirmed_at__lt=day_ago)
    ).update(state=ImportBatch.State.DISCARDED, data=b"")


@transaction.atomic
def batch_discard_if_stale(*, batch: ImportBatch) -> ImportBatch:
    """A preview not confirmed within a day: its file is forgotten now."""
    if batch.state == ImportBatch.State.PENDING and batch.expired:
        batch.state, batch.data = ImportBatch.State.DISCARDED, b""
        batch.save(update_fields=["state", "data"])
    return batch


@transaction.atomic
def batch_confirm(*, batch_id, user) -> ImportBatch:
    """The admin confirmed the preview: the worker writes it (after this commit). The batch is
    locked, so that a double click or two admins confirming together queue it once; a batch
    the worker holds (it is writing it) is not waited for."""
    try:
        batch = ImportBatch.objects.select_for_update(nowait=True).get(pk=batch_id)
    except DatabaseError:
        raise BatchClosed from None
    if not batch.confirmable:
        raise BatchClosed
    batch.state = ImportBatch.State.APPLYING
    batch.confirmed_by, batch.confirmed_at = user, timezone.now()
    batch.problem = ImportBatch.Problem.NONE
    batch.save(update_fields=["state", "confirmed_by", "confirmed_at", "problem"])
    logger.info("import %s confirmed by user %s", batch.pk, user.pk)
    after_commit(_queue, batch.pk)
    return batch


def _queue(batch_id):
    from .tasks import batch_apply

    if not task_send(batch_apply, batch_id):
        _back_to_preview(batch_id, ImportBatch.Problem.WORKER_UNREACHABLE)


def _back_to_preview(batch_id, problem):
    """Saved (not updated) so that the audit trail records it; never raises, so that the
    error that brought it here is the one logged."""
    try:
        batch = ImportBatch.objects.filter(pk=batch_id, state=ImportBatch.State.APPLYING).first()
        if batch is not None:
            batch.state, batch.problem = ImportBatch.State.PENDING, problem
            batch.save(update_fields=["state", "problem"])
    except Exception:
        logger.exception("import %s could not be sent back to its preview", batch_id)


def batch_apply(batch_id) -> ImportBatch | None:
    """The worker's part: plan the file again against the database as it is now and write it
    all, or nothing and back to the preview, which then shows why. What it writes is recorded
    in the audit trail as the confirming admin's."""
    batch = ImportBatch.objects.filter(pk=batch_id).select_related("confirmed_by").first()
    if batch is None:
        return None
    try:
        with set_actor(batch.confirmed_by), transaction.atomic():
            batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
            if batch.state != ImportBatch.State.APPLYING:
                return batch  # applied already (a redelivered task), or not confirmed
            importer = IMPORTERS[batch.kind]
            try:
                plan = importer.apply(importer.read(batch.file_bytes()), user=batch.confirmed_by)
            except (ImportRefused, FileProblem) as refused:
                conflict = isinstance(refused.__cause__, IntegrityError | DataError)
                batch.state = ImportBatch.State.PENDING
                batch.problem = (
                    ImportBatch.Problem.CONFLICT if conflict else ImportBatch.Problem.REFUSED
                )
                batch.save(update_fields=["state", "problem"])
                logger.info("import %s refused when written", batch.pk)
                return batch
            counts = plan.counts()
            batch.state = ImportBatch.State.APPLIED
            batch.applied_at = timezone.now()
            batch.created, batch.updated = counts[Action.CREATE], counts[Action.UPDATE]
            batch.data = b""
            batch.save(update_fields=["state", "applied_at", "created", "updated", "data"])
            logger.info("import %s applied", batch.pk)
            return batch
    except Exception:
        _back_to_preview(batch_id, ImportBatch.Problem.FAILED)
        raise


def consent_requests_send(*, guardianship_ids, sent_by_id) -> int:
    """Send the consent request of each guardianship an import created (privacy.services).
    Returns how many were sent.

    Run twice (a redelivered task), it sends nothing new: a guardianship with a link still open
    is left alone."""
    from privacy.services import consent_request_send

    sent_by = get_user_model().objects.filter(pk=sent_by_id).first()
    sent = 0
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


@transaction.atomic
def set_password_links_queue(*, user_ids) -> list[Message]:
    """Queue, in the caller's transaction, the e-mail asking each of these staff logins to set
    its password (imports/messages.py makes the link when sending). A login without an address,
    closed, or already given this e-mail is left out: queued twice, it goes once."""
    asked = Message.objects.filter(recipient=OuterRef("pk"), template=SET_PASSWORD)
    users = (
        get_user_model()
        .objects.filter(pk__in=user_ids, is_active=True, staff__isnull=False)
        .exclude(email="")
        .exclude(Exists(asked))
        .order_by("pk")
    )
    # The recipient is the login itself: the context needs nothing more.
    return messages_queue(template=SET_PASSWORD, recipients=[(user, {}) for user in users])
