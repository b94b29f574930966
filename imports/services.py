"""Writes of the import pages: an upload waits for its confirmation; a confirmation hands the
file to the worker, which writes all of it or nothing, once.

The worker writes it, not the web request: a roster of 50,000 children takes longer to write
than a web server waits for a request.
"""

import logging

from django.db import transaction
from django.utils import timezone

from .base import Action, ImportRefused
from .kinds import IMPORTERS
from .models import ImportBatch
from .tabular import FileProblem

logger = logging.getLogger(__name__)


class BatchClosed(Exception):
    """The preview was confirmed already, or discarded: nothing more can be written from it."""


def batch_upload(*, importer, file_name, data, user) -> ImportBatch:
    ImportBatch.discard_stale()
    batch = ImportBatch.upload(kind=importer.slug, file_name=file_name, data=data, user=user)
    logger.info("import %s (%s) uploaded by user %s", batch.pk, importer.slug, user.pk)
    return batch


def batch_discard_if_stale(batch: ImportBatch) -> ImportBatch:
    """A preview not confirmed within a day: its file is forgotten now."""
    if batch.state == ImportBatch.State.PENDING and batch.expired:
        batch.state, batch.data = ImportBatch.State.DISCARDED, b""
        batch.save(update_fields=["state", "data"])
    return batch


@transaction.atomic
def batch_confirm(*, batch_id, user) -> ImportBatch:
    """The admin confirmed the preview: the worker writes it (after this commit). The batch is
    locked, so that a double click or two admins confirming together queue it once."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
    if not batch.confirmable:
        raise BatchClosed
    batch.state = ImportBatch.State.APPLYING
    batch.confirmed_by, batch.confirmed_at = user, timezone.now()
    batch.problem = ImportBatch.Problem.NONE
    batch.save(update_fields=["state", "confirmed_by", "confirmed_at", "problem"])
    logger.info("import %s confirmed by user %s", batch.pk, user.pk)
    transaction.on_commit(lambda: _queue(batch.pk))
    return batch


def _queue(batch_id):
    from .tasks import batch_apply

    try:
        batch_apply.apply_async(args=(batch_id,), retry=False)
    except Exception:
        logger.warning("import %s not queued: the broker is unreachable", batch_id, exc_info=True)
        _back_to_preview(batch_id, ImportBatch.Problem.WORKER_UNREACHABLE)


def _back_to_preview(batch_id, problem):
    ImportBatch.objects.filter(pk=batch_id, state=ImportBatch.State.APPLYING).update(
        state=ImportBatch.State.PENDING, problem=problem
    )


def batch_apply(batch_id) -> ImportBatch | None:
    """The worker's part: plan the file again against the database as it is now and write it
    all, or nothing and back to the preview, which then shows why."""
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
            if batch is None or batch.state != ImportBatch.State.APPLYING:
                return batch  # applied already (a redelivered task), or not confirmed
            importer = IMPORTERS[batch.kind]
            try:
                plan = importer.apply(importer.read(batch.file_bytes()), user=batch.confirmed_by)
            except (ImportRefused, FileProblem):
                batch.state, batch.problem = ImportBatch.State.PENDING, ImportBatch.Problem.REFUSED
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
