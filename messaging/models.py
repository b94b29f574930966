"""The one outbox of every message the portal sends, and how each person wants to be reached.

A message is written in the same transaction as what causes it, and sent after the commit by
the worker through its channel's transport (messaging/transports/): e-mail, SMS, WeChat, or
the portal's own inbox, which is delivered in that same transaction. The sweeper sends again
what a lost task or an unreachable broker left behind.
It names its template and the ids the template needs, never the text: nothing about a child
is stored in it, and the text is made in the recipient's language when it is sent. A link's
secret that cannot be made again when sending (a consent link's token, of which only a hash is
kept) is the one exception: it is kept encrypted, and only until the message is done.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from groups.fields import EncryptedCharField, decrypt, encrypt


class Channel(models.TextChoices):
    INBOX = "inbox", _("In the portal")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("Text message")
    WECHAT = "wechat", _("WeChat")


class Topic(models.TextChoices):
    """What a message is about: each person chooses their channels per topic (Preferences)."""

    NEWS = "news", _("News of the suggestions I follow")
    WORK = "work", _("New suggestions to handle")
    OVERDUE = "overdue", _("Suggestions that are overdue")
    DIGEST = "digest", _("A digest of what happened")
    ACCOUNT = "account", _("My login, consent and the programme's notices")


class MessageState(models.TextChoices):
    QUEUED = "queued", _("Waiting to be sent")
    # Handed to the provider and not yet answered. A worker that stops here leaves the row
    # "in doubt": the sweeper decides by its channel (services.messages_in_doubt).
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    # The last attempt failed; the next one is at send_after.
    FAILED = "failed", _("Waiting to be sent again (the last try failed)")
    GIVEN_UP = "given_up", _("Given up")
    SKIPPED = "skipped", _("Not sent (no address, or nothing left to say)")


# States whose message the worker still has to send.
WAITING = (MessageState.QUEUED, MessageState.FAILED)


class Message(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    topic = models.CharField(
        _("topic"), max_length=10, choices=Topic.choices, default=Topic.ACCOUNT
    )
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
        _("state"), max_length=10, choices=MessageState.choices, default=MessageState.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The kind of the last error: the provider's code (e.g. "LimitExceeded.PhoneNumberDailyLimit")
    # or the exception's class, never an error's text (it may quote an address).
    last_error = models.CharField(_("last error"), max_length=100, blank=True)
    # What the provider said, for the office (transports.reason() strips numbers and addresses).
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    # The provider's id of what it accepted (SMS serial number, WeChat msgid, Message-ID).
    provider_id = models.CharField(_("provider's id"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Not sent before this time: the next attempt after a failure waits longer each time.
    send_after = models.DateTimeField(_("send after"))
    # When a task to send it was last handed to the broker: the sweeper sends it itself only
    # when that was long ago (the task was lost), not while it waits in a long queue.
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    # When a worker handed it to the provider (state "sending").
    claimed_at = models.DateTimeField(_("handed to the provider at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["send_after"],
                condition=Q(state__in=["queued", "failed"]),
                name="message_waiting",
            ),
            models.Index(
                fields=["claimed_at"], condition=Q(state="sending"), name="message_sending"
            ),
            models.Index(fields=["recipient", "-created_at"], name="message_recipient"),
        ]

    def __str__(self):
        return f"{self.template} → {self.recipient_id} ({self.state})"

    def seal(self, secret: str) -> None:
        self.sealed_secret = encrypt(secret) if secret else ""

    def secret(self) -> str:
        return decrypt(self.sealed_secret) if self.sealed_secret else ""


class Preferences(models.Model):
    """How to reach one person: their language, their addresses beyond the login's e-mail, and
    the channels they chose for each topic. A person with no row (or no choice for a topic)
    gets the defaults of their role (messaging/preferences.py)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        on_delete=models.CASCADE,
        related_name="message_preferences",
    )
    language = models.CharField(
        _("language of messages"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    # A mainland mobile number for SMS (encrypted at rest, like every contact of a person).
    phone = EncryptedCharField(_("mobile number"), max_length=20, blank=True)
    # The guardian's openid in the programme's WeChat Official Account, set by linking
    # (messaging/wechat.py); empty when not linked.
    wechat_openid = models.CharField(_("WeChat openid"), max_length=64, blank=True)
    wechat_linked_at = models.DateTimeField(_("WeChat linked at"), null=True, blank=True)
    # {topic: [channel, ...]} for the topics the person chose; the inbox is always on for adults.
    channels = models.JSONField(_("channels by topic"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("message preferences")
        verbose_name_plural = _("message preferences")

    def __str__(self):
        return str(self.user)


class ChildReach(models.Model):
    """Whether a child hears of their own suggestions, and where: a guardian decides. A child
    with no row is told in the portal, as before guardians could choose."""

    child = models.OneToOneField(
        "groups.Child", verbose_name=_("child"), on_delete=models.CASCADE, related_name="reach"
    )
    # A subset of [inbox, email]: children get no SMS or WeChat of their own.
    channels = models.JSONField(_("channels"), default=list, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("child's messages")
        verbose_name_plural = _("children's messages")

    def __str__(self):
        return str(self.child)
