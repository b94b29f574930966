import logging
from datetime import timedelta
from io import BytesIO

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from groups.models import User
from hangzhou_cfc.effects import after_commit, task_send
from hangzhou_cfc.errors import NotAllowed

from .exports import WRITERS, file_name
from .figures import FIRST_YEAR, suppressed, valid_year, year_figures
from .models import ACTIVE_STATES, ExportFormat, ExportState, ReportExport, WorkerHeartbeat

logger = logging.getLogger(__name__)


@transaction.atomic
def worker_heartbeat_record(*, hostname: str) -> WorkerHeartbeat:
    now = timezone.now()
    heartbeat, created = WorkerHeartbeat.objects.get_or_create(
        hostname=hostname, defaults={"last_seen": now, "beats": 1}
    )
    if not created:
        WorkerHeartbeat.objects.filter(pk=heartbeat.pk).update(last_seen=now, beats=F("beats") + 1)
        heartbeat.refresh_from_db()
    return heartbeat


# An export the worker has not moved on for this long was left by a worker that stopped (or,
# still queued, by no worker at all); a worker tries one at most MAX_ATTEMPTS times.
EXPORT_STALE_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 3


def report_export_request(
    *, user: User, year: int, fmt: str, language: str
) -> tuple[ReportExport, bool]:
    """Ask the worker for the year's report in this format and language. If the same one is
    already being made, that one is returned (and False): a second is never started."""
    if not user.has_perm("reports.export_annual_report"):
        raise NotAllowed
    errors = {}
    if not valid_year(year):
        errors["year"] = _("Choose a year between %(first)d and %(last)d.") % {
            "first": FIRST_YEAR,
            "last": timezone.localdate().year + 1,
        }
    if fmt not in ExportFormat.values:
        errors["format"] = _("Choose XLSX, PDF or CSV.")
    if language not in dict(settings.LANGUAGES):
        errors["language"] = _("Choose Chinese or English.")
    if errors:
        raise ValidationError(errors)
    report_exports_fail_stale()
    with transaction.atomic():
        same = ReportExport.objects.filter(
            year=year, format=fmt, language=language, state__in=ACTIVE_STATES
        ).first()
        if same is not None:
            return same, False
        try:
            with transaction.atomic():
                export = ReportExport.objects.create(
                    year=year, format=fmt, language=language, requested_by=user
                )
        except IntegrityError:
            # Someone asked for the same report at the same moment: join theirs.
            return ReportExport.objects.get(
                year=year, format=fmt, language=language, state__in=ACTIVE_STATES
            ), False
        logger.info("annual report %s asked for by user %s", export, user.pk)
        after_commit(_generate_later, export.pk)
    return export, True


def _generate_later(export_id: int) -> None:
    """Hand the export to the worker. If the broker cannot be reached, the export says so
    (the admin asks again later) rather than the request failing."""
    from .tasks import report_export_generate

    if task_send(report_export_generate, export_id):
        return
    if ReportExport.objects.filter(pk=export_id, state=ExportState.QUEUED).update(
        state=ExportState.FAILED,
        finished_at=timezone.now(),
        error=_("The worker could not be reached. Ask again in a while."),
    ):
        _record(export_id, ExportState.QUEUED, ExportState.FAILED)


def report_exports_fail_stale() -> int:
    """Mark failed the exports that stopped moving: left by a worker that stopped, or never
    picked up. Their admins see why and ask again."""
    now = timezone.now()
    stale = ReportExport.objects.filter(
        Q(state=ExportState.RUNNING, progress_at__lt=now - EXPORT_STALE_AFTER)
        | Q(state=ExportState.QUEUED, requested_at__lt=now - EXPORT_STALE_AFTER)
    )
    failed = 0
    # One at a time, each still stale and in the state read: one that moved on meanwhile
    # (finished, say) is neither failed nor recorded as failed.
    for export_id, state in list(stale.values_list("pk", "state")):
        if stale.filter(pk=export_id, state=state).update(
            state=ExportState.FAILED,
            finished_at=now,
            error=_("The worker stopped, or never started, while making it. Ask again."),
        ):
            _record(export_id, state, ExportState.FAILED)
            failed += 1
    return failed


def _set_progress(export_id: int, done: int) -> None:
    ReportExport.objects.filter(pk=export_id, state=ExportState.RUNNING).update(
        progress=min(max(done, 0), 99), progress_at=timezone.now()
    )


def report_export_generate(*, export_id: int) -> ReportExport:
    """Make the file. Safe to run twice: only a queued export, or one a stopped worker left
    behind (no progress for EXPORT_STALE_AFTER, fewer than MAX_ATTEMPTS tries), is claimed;
    every later write checks that it is still this run's."""
    now = timezone.now()
    claimable = Q(state=ExportState.QUEUED) | Q(
        state=ExportState.RUNNING, progress_at__lt=now - EXPORT_STALE_AFTER
    )
    claimed = ReportExport.objects.filter(
        claimable, pk=export_id, attempts__lt=MAX_ATTEMPTS
    ).update(
        state=ExportState.RUNNING,
        started_at=now,
        progress_at=now,
        progress=1,
        attempts=F("attempts") + 1,
    )
    export = ReportExport.objects.get(pk=export_id)
    if not claimed:
        return export
    # The first claim takes a queued export; a later one, one a stopped worker left running.
    _record(
        export_id,
        ExportState.QUEUED if export.attempts == 1 else ExportState.RUNNING,
        ExportState.RUNNING,
    )
    running = ReportExport.objects.filter(pk=export_id, state=ExportState.RUNNING)
    try:
        content = report_file(
            export.year,
            export.format,
            export.language,
            progress=lambda done: _set_progress(export_id, 5 + done * 9 // 10),
        )
        name = file_name(export.year, export.format, export.language)
        export.file.save(name, content, save=False)
    except Exception as error:
        logger.exception("annual report %s failed", export)
        if running.update(
            state=ExportState.FAILED,
            finished_at=timezone.now(),
            error=f"{type(error).__name__}: {error}"[:300],
        ):
            _record(export_id, ExportState.RUNNING, ExportState.FAILED)
        return ReportExport.objects.get(pk=export_id)
    if not running.update(
        state=ExportState.DONE, progress=100, finished_at=timezone.now(), file=export.file.name
    ):
        # Marked failed (stale) meanwhile: this file is nobody's.
        export.file.delete(save=False)
    else:
        _record(export_id, ExportState.RUNNING, ExportState.DONE)
    return ReportExport.objects.get(pk=export_id)


def _record(export_id: int, old: str, new: str) -> None:
    """The audit trail's entry for a state change made by a queryset update (no save)."""
    export_state_record(export_ids=[export_id], old=old, new=new)


# --- Entries the audit trail gets from here: downloads, which change no row and so fire no
# save, and state changes made by queryset updates.


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


def report_file(year: int, fmt: str, language: str, progress=None) -> ContentFile:
    """The report as a file's content, in `language`, with small counts of children hidden."""
    with translation.override(language):
        figures = suppressed(year_figures(year))
        buffer = BytesIO()
        WRITERS[fmt](figures, buffer, **({"progress": progress} if progress else {}))
    return ContentFile(buffer.getvalue())
