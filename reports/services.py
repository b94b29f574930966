import logging
from datetime import timedelta
from io import BytesIO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from groups.models import User

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


# A report still "being made" after this long was left by a worker that stopped.
EXPORT_STALE_AFTER = timedelta(minutes=30)


class NotAllowed(PermissionDenied):
    pass


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
    with transaction.atomic():
        same = ReportExport.objects.select_for_update().filter(
            year=year, format=fmt, language=language, state__in=ACTIVE_STATES
        )
        for export in same:
            if export.requested_at > timezone.now() - EXPORT_STALE_AFTER:
                return export, False
            export.state, export.finished_at = ExportState.FAILED, timezone.now()
            export.error = _("The worker stopped while making it.")
            export.save(update_fields=["state", "finished_at", "error"])
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
        transaction.on_commit(lambda: _generate_later(export.pk))
    return export, True


def _generate_later(export_id: int) -> None:
    """Hand the export to the worker. If the broker cannot be reached, the export says so
    (the admin asks again later) rather than the request failing."""
    from .tasks import report_export_generate

    try:
        report_export_generate.apply_async(args=[export_id], retry=False)
    except Exception:
        logger.warning("annual report %s not sent: the broker is unreachable", export_id)
        ReportExport.objects.filter(pk=export_id, state=ExportState.QUEUED).update(
            state=ExportState.FAILED,
            finished_at=timezone.now(),
            error=_("The worker could not be reached. Ask again in a while."),
        )


def _set_progress(export_id: int, done: int) -> None:
    ReportExport.objects.filter(pk=export_id).update(progress=min(max(done, 0), 99))


def report_export_generate(*, export_id: int) -> ReportExport:
    """Make the file. Safe to run twice: a report already made is left as it is."""
    claimed = ReportExport.objects.filter(pk=export_id, state__in=ACTIVE_STATES).update(
        state=ExportState.RUNNING, started_at=timezone.now(), progress=1
    )
    export = ReportExport.objects.get(pk=export_id)
    if not claimed:
        return export
    try:
        content = report_file(
            export.year,
            export.format,
            export.language,
            progress=lambda done: _set_progress(export_id, 5 + done * 9 // 10),
        )
        export.file.save(
            file_name(export.year, export.format, export.language), content, save=False
        )
    except Exception as error:
        logger.exception("annual report %s failed", export)
        ReportExport.objects.filter(pk=export_id).update(
            state=ExportState.FAILED,
            finished_at=timezone.now(),
            error=f"{type(error).__name__}: {error}"[:300],
        )
        return ReportExport.objects.get(pk=export_id)
    ReportExport.objects.filter(pk=export_id).update(
        state=ExportState.DONE, progress=100, finished_at=timezone.now(), file=export.file.name
    )
    export.refresh_from_db()
    return export


def report_file(year: int, fmt: str, language: str, progress=None) -> ContentFile:
    """The report as a file's content, in `language`, with small counts of children hidden."""
    with translation.override(language):
        figures = suppressed(year_figures(year))
        buffer = BytesIO()
        WRITERS[fmt](figures, buffer, **({"progress": progress} if progress else {}))
    return ContentFile(buffer.getvalue())
