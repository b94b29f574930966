"""Writes of the outbox: queue a message with its cause, send it once, sweep what was left.

Delivery is at least once by construction and once in practice: a message is sent by whoever
holds its row lock while it is pending, and marked sent in the same transaction. Only a worker
killed between the mail server's "accepted" and that commit could send it twice; its
Message-ID header is fixed per message, so that mail systems can tell the copies apart.
"""

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from hangzhou_cfc.effects import after_commit, portal_host, task_send_in_chunks

from .models import Channel, Message, MessageState

logger = logging.getLogger(__name__)

# template name → renders (subject, body) for a message in the active language, or None when
# what it was about is gone. Apps register theirs with @template (suggestions/messages.py).
TEMPLATES: dict[str, Callable[[Message], tuple[str, str] | None]] = {}

MAX_ATTEMPTS = 8
# How many messages one task sends: a long list (an import's logins) is sent by several tasks,
# none of which holds its worker for long.
SEND_CHUNK = 50
# How many messages the sweeper claims at a time, and for how long it sends in one run.
SWEEP_BATCH = 200
SWEEP_SECONDS = 50


def template(name: str):
    def register(render):
        TEMPLATES[name] = render
        return render

    return register


def message_queue(
    *,
    recipient,
    template: str,
    context: dict,
    channel: str = Channel.EMAIL,
    language: str | None = None,
    secret: str = "",
) -> Message:
    """Write a message in the caller's transaction; the worker sends it after the commit.

    `secret` is for a link's token that the template cannot make again when sending: it is
    kept encrypted (Message.sealed_secret), never in the context, and erased once the message
    is done. Never pass what the template can look up or make itself."""
    message = _message(recipient, template, context, channel, language)
    message.seal(secret)
    (message,) = _queued([message])
    return message


def messages_queue(
    *,
    template: str,
    recipients: Iterable[tuple[Any, dict]],
    channel: str = Channel.EMAIL,
    language: str | None = None,
) -> list[Message]:
    """message_queue for many (recipient, context) pairs: one INSERT, and after the commit
    their tasks, SEND_CHUNK messages each."""
    return _queued(
        [
            _message(recipient, template, context, channel, language)
            for recipient, context in recipients
        ]
    )


def _message(recipient, template, context, channel, language) -> Message:
    if template not in TEMPLATES:
        raise ValueError(f"no message template {template!r}")
    return Message(
        recipient=recipient,
        channel=channel,
        template=template,
        language=language or settings.LANGUAGE_CODE,
        context=context,
    )


def _queued(messages: list[Message]) -> list[Message]:
    if not messages:
        return messages
    now = timezone.now()
    for message in messages:
        message.send_after = now
        # Handed to the broker right after the commit; if that fails, the sweeper takes it
        # once MESSAGES_STUCK_AFTER has passed. Stamped here, in the cause's transaction, so
        # that nothing updates the row while a worker may be sending it.
        message.queued_at = now
    Message.objects.bulk_create(messages)
    ids = [message.pk for message in messages]
    after_commit(messages_send_later, ids)
    return messages


def messages_send_later(ids: list[int]) -> bool:
    """Hand the messages to the worker, SEND_CHUNK to a task; if the broker is away, the
    sweeper sends them."""
    from .tasks import send_messages

    return task_send_in_chunks(send_messages, ids, chunk=SEND_CHUNK)


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2**attempts, 240))


def _done(message: Message, state: str, *fields: str) -> None:
    """A message leaves the outbox's work: its secret, if any, is not kept a moment longer."""
    message.state, message.sealed_secret = state, ""
    message.save(update_fields=["state", "sealed_secret", *fields])


def _failed_attempt(message: Message, error: Exception, now: datetime) -> str:
    message.last_error = type(error).__name__[:100]
    if message.attempts >= MAX_ATTEMPTS:
        _done(message, MessageState.FAILED, "attempts", "last_error")
    else:
        message.send_after = now + _backoff(message.attempts)
        message.save(update_fields=["attempts", "last_error", "send_after"])
    logger.warning(
        "message %s not sent (attempt %d): %s", message.pk, message.attempts, message.last_error
    )
    return "failed" if message.state == MessageState.FAILED else "retry"


def message_send(*, message_id: int, now: datetime | None = None, wait: bool = True) -> str:
    """Send one pending message that is due, once. Returns what happened: "sent", "retry",
    "failed", "skipped", or "not_pending" (sent already, not due, or, with wait=False as the
    sweeper calls it, being sent by another worker right now).

    The row stays locked while the mail server is asked (EMAIL_TIMEOUT bounds that): whoever
    holds it is the one who sends. Anything that goes wrong, in the template too, counts as an
    attempt, so that one bad message ends as failed instead of stopping the ones after it."""
    now = now or timezone.now()
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(skip_locked=not wait, of=("self",))
            .select_related("recipient")
            .filter(pk=message_id, state=MessageState.PENDING, send_after__lte=now)
            .first()
        )
        if message is None:
            return "not_pending"
        recipient = message.recipient
        if not (recipient.email and recipient.is_active):
            _done(message, MessageState.SKIPPED)
            return "skipped"
        message.attempts += 1
        render = TEMPLATES.get(message.template)
        try:
            if render is None:
                raise LookupError(f"no message template {message.template!r}")
            # A savepoint: a query of the template that fails leaves the row writable.
            with transaction.atomic(), translation.override(message.language):
                rendered = render(message)
        except Exception as error:
            if render is None:
                message.attempts = MAX_ATTEMPTS  # a template that is gone will not come back
            return _failed_attempt(message, error, now)
        if rendered is None:
            _done(message, MessageState.SKIPPED, "attempts")
            return "skipped"
        subject, body = rendered
        domain = portal_host()
        email = EmailMessage(
            subject,
            body,
            to=[recipient.email],
            headers={"Message-ID": f"<message-{message.pk}@{domain or 'localhost'}>"},
        )
        try:
            email.send()
        except Exception as error:
            return _failed_attempt(message, error, now)
        message.sent_at = now
        _done(message, MessageState.SENT, "attempts", "sent_at")
    return "sent"


def messages_resend(*, now: datetime | None = None) -> int:
    """The sweeper: send, in batches until none is left (or for SWEEP_SECONDS), every pending
    message that is due and whose task is not just waiting in the queue: queued long ago (the
    task was lost, or the broker never took it), or due again after a failure. Returns how
    many it sent."""
    started = timezone.now()
    now = now or started
    threshold = now - timedelta(seconds=settings.MESSAGES_STUCK_AFTER)
    stuck = (
        Message.objects.filter(state=MessageState.PENDING, send_after__lte=now)
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=threshold) | Q(attempts__gt=0))
        .order_by("pk")
    )
    deadline = started + timedelta(seconds=SWEEP_SECONDS)
    done, last = 0, 0
    while timezone.now() < deadline:
        ids = list(stuck.filter(pk__gt=last).values_list("pk", flat=True)[:SWEEP_BATCH])
        if not ids:
            break
        for message_id in ids:
            if timezone.now() >= deadline:
                break
            last = message_id
            if message_send(message_id=message_id, now=now, wait=False) == "sent":
                done += 1
    return done
