"""The one outbox of every message the portal sends outside itself.

A message is written in the same transaction as what causes it, and sent after the commit by
the worker; the sweeper sends again what a lost task or an unreachable broker left behind.
It names its template and the ids the template needs, never the text: nothing about a child
is stored in it, and the text is made in the recipient's language when it is sent. A link's
secret that cannot be made again when sending (a consent link's token, of which only a hash is
kept) is the one exception: it is kept encrypted, and only until the message is done.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from groups.fields import decrypt, encrypt


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")


class MessageState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Could not be sent")
    SKIPPED = "skipped", _("Not sent (no address, or nothing left to say)")


class Message(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    template = models.CharField(_("template"), max_length=60)
    language = models.CharField(_("language"), max_length=10)
    # The ids the template needs (e.g. {"notification": 12}): never names or text.
    context = models.JSONField(_("context"), default=dict)
    # A secret the template needs and cannot make again (a link's token), as a Fernet token of
    # PERSONAL_DATA_KEYS (groups/fields.py); emptied once the message is sent, skipped or
    # failed. Decrypted only by the template, when sending: a key that is missing is then one
    # failed attempt of this message, not an error of every query that reads the table.
    sealed_secret = models.TextField(_("sealed secret"), blank=True, editable=False)
    state = models.CharField(
        _("state"), max_length=10, choices=MessageState.choices, default=MessageState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The kind of the last error (its class), never its text: it may quote an address.
    last_error = models.CharField(_("last error"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Not sent before this time: the next attempt after a failure waits longer each time.
    send_after = models.DateTimeField(_("send after"))
    # When a task to send it was last handed to the broker: the sweeper sends it itself only
    # when that was long ago (the task was lost), not while it waits in a long queue.
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["send_after"],
                condition=Q(state="pending"),
                name="message_pending",
            ),
        ]

    def __str__(self):
        return f"{self.template} → {self.recipient_id} ({self.state})"

    def seal(self, secret: str) -> None:
        self.sealed_secret = encrypt(secret) if secret else ""

    def secret(self) -> str:
        return decrypt(self.sealed_secret) if self.sealed_secret else ""
