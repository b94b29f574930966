"""Reads of the import pages."""

from django.db.models import QuerySet

from .kinds import IMPORTERS
from .models import ImportBatch


def batches() -> QuerySet[ImportBatch]:
    return ImportBatch.objects.select_related("uploaded_by")


def recent_batches(*, limit: int = 20) -> list[ImportBatch]:
    """The latest uploads (one query), each with `title`: its importer's, or its kind for a
    kind the portal no longer imports."""
    rows = list(batches()[:limit])
    for batch in rows:
        batch.title = IMPORTERS[batch.kind].title if batch.kind in IMPORTERS else batch.kind
    return rows
