"""Writes of the import pages: an upload waits for its confirmation; a confirmation writes the
whole file or nothing, once."""

import logging

from django.db import transaction
from django.utils import timezone

from .base import Action
from .kinds import IMPORTERS
from .models import ImportBatch

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
def batch_confirm(*, batch_id, user):
    """Apply the batch's file (planned again against the database as it is now) and mark it
    imported, in one transaction. The batch is locked, so that a double click or two admins
    confirming together write it once. Raises BatchClosed, or ImportRefused (nothing
    written)."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
    if batch.state != ImportBatch.State.PENDING or batch.expired:
        raise BatchClosed
    importer = IMPORTERS[batch.kind]
    plan = importer.apply(importer.read(batch.file_bytes()), user=user)
    counts = plan.counts()
    batch.state = ImportBatch.State.APPLIED
    batch.applied_at = timezone.now()
    batch.created, batch.updated = counts[Action.CREATE], counts[Action.UPDATE]
    batch.data = b""
    batch.save(update_fields=["state", "applied_at", "created", "updated", "data"])
    logger.info("import %s applied by user %s", batch.pk, user.pk)
    return batch, plan
