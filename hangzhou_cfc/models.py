"""The project's own rows: the answers kept for API requests sent with an Idempotency-Key."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotentRequest(models.Model):
    """The first answer to a POST sent with an Idempotency-Key or a form's hidden key (`form:`
    and the key), kept IDEMPOTENCY_KEY_HOURS (hangzhou_cfc/idempotency.py).

    `scope` is a hash of the credentials it came with (a token or a session), so that one
    client's key never answers another's request; `fingerprint` a hash of what was sent. A form's
    answer is a redirect: only its `location`, never a page."""

    scope = models.CharField(_("scope"), max_length=64)
    key = models.CharField(_("key"), max_length=255)
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    status = models.PositiveSmallIntegerField(_("status"))
    content_type = models.CharField(_("content type"), max_length=100)
    location = models.CharField(_("location"), max_length=2000, blank=True)
    body = models.BinaryField(_("body"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="one_answer_per_key"),
        ]

    def __str__(self):
        return f"{self.key} ({self.status})"
