from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from groups.models import Child, Mentor, SubTeam


class TrainingSession(models.Model):
    """A training session of the municipal group, logged by a mentor who ran it."""

    held_on = models.DateField(_("held on"))
    topic = models.CharField(_("topic"), max_length=120)
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    sub_teams = models.ManyToManyField(
        SubTeam, verbose_name=_("sub-teams"), related_name="training_sessions"
    )
    mentors = models.ManyToManyField(
        Mentor, verbose_name=_("mentors"), related_name="training_sessions"
    )
    notes = models.TextField(_("notes"), max_length=4000, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    logged_at = models.DateTimeField(_("logged at"), auto_now_add=True)

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24),
                name="training_hours_between_0_and_24",
                violation_error_message=_("A session lasts more than 0 and at most 24 hours."),
            ),
        ]

    def __str__(self):
        return f"{self.held_on} · {self.topic}"


class Attendance(models.Model):
    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("training session"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    child = models.ForeignKey(
        Child, verbose_name=_("child"), on_delete=models.CASCADE, related_name="attendances"
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "child"],
                name="one_attendance_per_child_and_session",
                violation_error_message=_("This child is already marked present."),
            ),
        ]

    def __str__(self):
        return f"{self.child} @ {self.session_id}"
