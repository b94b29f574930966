"""Entries the trail writes itself: downloads, which change no row and so fire no save."""

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from groups.models import User
from reports.models import ReportExport


def export_download_record(*, user: User, export: ReportExport) -> LogEntry:
    return LogEntry.objects.log_create(
        export, action=LogEntry.Action.ACCESS, actor=user, force_log=True
    )


def suggestions_csv_download_record(*, user: User, year: int) -> LogEntry:
    """The streamed CSV is no row of its own: the entry names the file, under the exports."""
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(ReportExport),
        object_pk="",
        object_repr=f"suggestions-{year}.csv",
        action=LogEntry.Action.ACCESS,
        actor=user,
        additional_data={"year": year},
    )


def export_state_record(*, export_ids, old: str, new: str) -> None:
    """An export moved from `old` to `new` by a queryset update (made by the worker, so no
    actor): the trail gets the change a save would have given it."""
    for export in ReportExport.objects.filter(pk__in=list(export_ids)):
        LogEntry.objects.log_create(
            export, action=LogEntry.Action.UPDATE, changes={"state": [old, new]}, actor=None
        )
