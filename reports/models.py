from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """When each Celery worker last ran a task from beat: the admin's sign that routing runs."""

    hostname = models.CharField(_("worker"), max_length=255, unique=True)
    last_seen = models.DateTimeField(_("last seen"))
    beats = models.PositiveBigIntegerField(_("heartbeats"), default=0)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")
        ordering = ["-last_seen"]

    def __str__(self):
        return self.hostname


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", "XLSX"
    PDF = "pdf", "PDF"
    CSV = "csv", _("CSV (zip)")


class ExportState(models.TextChoices):
    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Being made")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


ACTIVE_STATES = [ExportState.QUEUED, ExportState.RUNNING]


class ReportExport(models.Model):
    """One annual report file asked for by an admin, made by the worker."""

    year = models.PositiveSmallIntegerField(_("year"))
    format = models.CharField(_("format"), max_length=10, choices=ExportFormat.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    state = models.CharField(
        _("state"), max_length=10, choices=ExportState.choices, default=ExportState.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    # When the worker last moved it on: an export that stops moving was left by a worker.
    progress_at = models.DateTimeField(_("last progress at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    file = models.FileField(_("file"), upload_to="reports/", blank=True)
    error = models.CharField(_("why it failed"), max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked for by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("asked for at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("annual report file")
        verbose_name_plural = _("annual report files")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # Asking again while one is being made joins it instead of starting a second.
            models.UniqueConstraint(
                fields=["year", "format", "language"],
                condition=Q(state__in=ACTIVE_STATES),
                name="one_report_in_the_making_per_year_format_language",
                violation_error_message=_("This report is already being made."),
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="report_progress_at_most_100",
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.format} {self.language}"

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES
