"""An uploaded spreadsheet between its preview and its confirmation, and afterwards the record
of what it did.

The file is kept (encrypted with the personal-data keys: a roster names guardians) only until
the admin confirms it or a day has passed; what stays is who imported what kind, when, from
which file (its name and SHA-256) and how many rows were created and updated.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.fields import _fernet

KEEP_PENDING = timedelta(days=1)
# A confirmed file the worker has not finished within this time (it stopped): it may be
# confirmed again.
APPLYING_AT_MOST = timedelta(hours=1)


class ImportBatch(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        APPLYING = "applying", _("Being imported")
        APPLIED = "applied", _("Imported")
        DISCARDED = "discarded", _("Discarded")

    class Problem(models.TextChoices):
        """Why a confirmed file went back to its preview (the page says what to do)."""

        NONE = "", _("None")
        REFUSED = "refused", _("Refused when written")
        CONFLICT = "conflict", _("Changed by someone else meanwhile")
        WORKER_UNREACHABLE = "worker_unreachable", _("Worker unreachable")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=30)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    file_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size in bytes"))
    # The file itself, encrypted; emptied once applied or discarded.
    data = models.BinaryField(_("file"), editable=False, default=b"")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    problem = models.CharField(
        _("problem"), max_length=20, choices=Problem.choices, default=Problem.NONE, blank=True
    )
    applied_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return f"{self.kind} · {self.file_name}"

    def file_bytes(self):
        return _fernet().decrypt(bytes(self.data))

    @property
    def expired(self):
        return self.uploaded_at < timezone.now() - KEEP_PENDING

    @property
    def confirmable(self):
        if self.state == self.State.PENDING:
            return not self.expired
        return self.state == self.State.APPLYING and (
            self.confirmed_at is None or self.confirmed_at < timezone.now() - APPLYING_AT_MOST
        )

    @property
    def stalled(self):
        """Confirmed, but the worker has not finished it within the time it may take."""
        return self.state == self.State.APPLYING and self.confirmable
