"""Writes of the outbox: queue a message with its cause, send it once, sweep what was left.

A message is sent by the worker that claims its row: in one short transaction the row is
locked, made "sending" and committed; then its transport hands it to the provider, outside any
transaction (a slow provider holds no lock); then the outcome is written. Two tasks for one
message cannot both send it: the second finds it claimed. A worker killed while the provider
is asked leaves the row "sending": the sweeper sends it again only where the receiver drops a
second copy (e-mail's fixed Message-ID), and otherwise gives it up for the office to look at,
so that no SMS or WeChat message is ever sent twice (transports.Transport.resend_in_doubt).
"""

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from hangzhou_cfc.effects import after_commit, task_send_in_chunks

from .models import WAITING, Channel, ChildReach, Message, MessageState, Preferences, Topic
from .preferences import kept_quiet, languages_of, quiet_until
from .transports import Content, InDoubt, Undeliverable, reason, transport_for

logger = logging.getLogger(__name__)

# template name → renders a message in the active language: Content, or (subject, body), or
# None when what it was about is gone. Apps register theirs with @template
# (suggestions/messages.py).
TEMPLATES: dict[str, Callable[[Message], Content | tuple[str, str] | None]] = {}

MAX_ATTEMPTS = 8
# How many messages one task sends: a long list (an import's logins) is sent by several tasks,
# none of which holds its worker for long.
SEND_CHUNK = 50
# How many messages the sweeper claims at a time, and for how long it sends in one run.
SWEEP_BATCH = 200
SWEEP_SECONDS = 50

# Our own reasons for a message not sent (Message.last_error), for the office's list.
IN_DOUBT = "in_doubt"
NO_TRANSPORT = "no_transport"


# Templates whose messages carry a link's secret (Message.sealed_secret), erased once they are
# done: such a message cannot be sent again, only a new one with a new link.
SECRET_TEMPLATES: set[str] = set()


def template(name: str, *, secret: bool = False):
    def register(render):
        TEMPLATES[name] = render
        if secret:
            SECRET_TEMPLATES.add(name)
        return render

    return register


def message_queue(
    *,
    recipient,
    template: str,
    context: dict,
    channel: str = Channel.EMAIL,
    topic: str = Topic.ACCOUNT,
    language: str | None = None,
    secret: str = "",
) -> Message:
    """Write a message in the caller's transaction; the worker sends it after the commit.

    `secret` is for a link's token that the template cannot make again when sending: it is
    kept encrypted (Message.sealed_secret), never in the context, and erased once the message
    is done. Never pass what the template can look up or make itself."""
    (message,) = _messages(template, topic, [(recipient, channel, context)], language)
    message.seal(secret)
    (message,) = _queued([message])
    return message


def messages_queue(
    *,
    template: str,
    recipients: Iterable[tuple[Any, dict]],
    channel: str = Channel.EMAIL,
    topic: str = Topic.ACCOUNT,
    language: str | None = None,
) -> list[Message]:
    """message_queue for many (recipient, context) pairs: one INSERT, and after the commit
    their tasks, SEND_CHUNK messages each."""
    rows = [(recipient, channel, context) for recipient, context in recipients]
    return _queued(_messages(template, topic, rows, language))


def messages_deliver(
    *, template: str, topic: str, rows: Iterable[tuple[Any, str, dict, str]]
) -> list[Message]:
    """A message for each (recipient, channel, context, language), in the caller's
    transaction (preferences.reach_of gives each recipient's channels and language). The
    inbox's are delivered already (the caller wrote the notice in this transaction) and are
    recorded as sent; the others are queued for the worker."""
    rows = list(rows)
    messages = _messages(template, topic, [row[:3] for row in rows], None, [row[3] for row in rows])
    now = timezone.now()
    inbox = [message for message in messages if message.channel == Channel.INBOX]
    for message in inbox:
        message.state, message.sent_at, message.send_after = MessageState.SENT, now, now
    Message.objects.bulk_create(inbox)
    _queued([message for message in messages if message.channel != Channel.INBOX])
    return messages


def _messages(template, topic, rows, language, languages=None) -> list[Message]:
    """Message rows, each in `language`, or in the one given for it, or in its recipient's."""
    if template not in TEMPLATES:
        raise ValueError(f"no message template {template!r}")
    if not rows:
        return []
    if languages is None:
        theirs = {} if language else languages_of(recipient for recipient, _, _ in rows)
        languages = [language or theirs[recipient.pk] for recipient, _, _ in rows]
    return [
        Message(
            recipient=recipient,
            channel=channel,
            topic=topic,
            template=template,
            language=row_language,
            context=context,
        )
        for (recipient, channel, context), row_language in zip(rows, languages, strict=True)
    ]


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


def _failed_attempt(message: Message, error: Exception, now: datetime, transport=None) -> str:
    """Write a failed attempt: tried again after a pause, or given up (at once when the
    provider refused it for good, or may have taken it where a copy would not be dropped)."""
    message.last_error = getattr(error, "code", "") or type(error).__name__[:100]
    message.reason = reason(getattr(error, "reason", ""))
    in_doubt = isinstance(error, InDoubt) and not (transport and transport.resend_in_doubt)
    if in_doubt:
        message.last_error = IN_DOUBT
    if in_doubt or isinstance(error, Undeliverable) or message.attempts >= MAX_ATTEMPTS:
        _done(message, MessageState.GIVEN_UP, "attempts", "last_error", "reason")
    else:
        message.state = MessageState.FAILED
        message.send_after = now + _backoff(message.attempts)
        message.save(update_fields=["state", "attempts", "last_error", "reason", "send_after"])
    logger.warning(
        "message %s not sent (attempt %d): %s", message.pk, message.attempts, message.last_error
    )
    return "given_up" if message.state == MessageState.GIVEN_UP else "retry"


def _render(message: Message) -> Content | None:
    render = TEMPLATES.get(message.template)
    if render is None:
        message.attempts = MAX_ATTEMPTS  # a template that is gone will not come back
        raise LookupError(f"no message template {message.template!r}")
    # A savepoint: a query of the template that fails leaves the row writable.
    with transaction.atomic(), translation.override(message.language):
        rendered = render(message)
    if rendered is None or isinstance(rendered, Content):
        return rendered
    subject, body = rendered
    return Content(subject=str(subject), body=body)


def message_send(*, message_id: int, now: datetime | None = None, wait: bool = True) -> str:
    """Send one waiting message that is due, once. Returns what happened: "sent", "retry",
    "given_up", "skipped", "later" (quiet hours), or "not_pending" (sent or being sent
    already, not due, or, with wait=False as the sweeper calls it, locked by another worker).

    Anything that goes wrong, in the template too, counts as an attempt, so that one bad
    message ends given up instead of stopping the ones after it."""
    now = now or timezone.now()
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(skip_locked=not wait, of=("self",))
            # The transports read the recipient's number or openid from their preferences:
            # joined here, not one more query per message.
            .select_related("recipient", "recipient__message_preferences")
            .filter(pk=message_id, state__in=WAITING, send_after__lte=now)
            .first()
        )
        if message is None:
            return "not_pending"
        recipient = message.recipient
        try:
            transport = transport_for(message.channel)
        except Exception:  # a transport the settings name wrongly: this row alone is given up
            logger.exception("message %s: its channel's transport cannot be made", message.pk)
            transport = None
        if transport is None:
            message.last_error = NO_TRANSPORT
            _done(message, MessageState.GIVEN_UP, "last_error")
            return "given_up"
        try:
            address = transport.address(recipient) if recipient.is_active else ""
        except Exception as error:
            message.attempts += 1
            return _failed_attempt(message, error, now, transport)
        if not address:
            _done(message, MessageState.SKIPPED)
            return "skipped"
        morning = quiet_until(now) if kept_quiet(recipient, transport) else None
        if morning is not None:
            message.send_after = morning
            message.save(update_fields=["send_after"])
            return "later"
        message.attempts += 1
        try:
            content = _render(message)
        except Exception as error:
            return _failed_attempt(message, error, now)
        if content is None:
            _done(message, MessageState.SKIPPED, "attempts")
            return "skipped"
        message.state, message.claimed_at = MessageState.SENDING, now
        message.save(update_fields=["state", "claimed_at", "attempts"])

    try:
        provider_id = transport.send(message=message, content=content, address=address)
    except Exception as error:
        return _failed_attempt(message, error, now, transport)
    message.provider_id = str(provider_id or "")[:100]
    message.sent_at = timezone.now()
    _done(message, MessageState.SENT, "provider_id", "sent_at")
    return "sent"


def messages_in_doubt(*, now: datetime | None = None) -> int:
    """Decide the messages a stopped worker left "sending" for MESSAGES_IN_DOUBT_AFTER: sent
    again where a second copy is harmless, else given up and shown to the office. Returns
    how many it decided."""
    now = now or timezone.now()
    threshold = now - timedelta(seconds=settings.MESSAGES_IN_DOUBT_AFTER)
    decided = 0
    with transaction.atomic():
        stale = Message.objects.select_for_update(skip_locked=True).filter(
            state=MessageState.SENDING, claimed_at__lt=threshold
        )
        for message in stale[:SWEEP_BATCH]:
            try:
                transport = transport_for(message.channel)
            except Exception:  # badly named in the settings: not resent
                transport = None
            message.last_error = IN_DOUBT
            if transport is not None and transport.resend_in_doubt:
                message.state, message.send_after = MessageState.FAILED, now
                message.save(update_fields=["state", "send_after", "last_error"])
            else:
                _done(message, MessageState.GIVEN_UP, "last_error")
            decided += 1
    return decided


@transaction.atomic
def messages_send_again(*, ids: Iterable[int]) -> int:
    """The office sends given-up messages again (after a provider's outage, or a message in
    doubt that did not arrive): queued afresh, with their attempts counted from zero."""
    now = timezone.now()
    again = list(
        Message.objects.select_for_update()
        .filter(pk__in=list(ids), state=MessageState.GIVEN_UP)
        .exclude(channel=Channel.INBOX)
        # Their link's secret was erased with them: the office sends a new link instead.
        .exclude(template__in=SECRET_TEMPLATES)
        .values_list("pk", flat=True)
    )
    Message.objects.filter(pk__in=again).update(
        state=MessageState.QUEUED,
        attempts=0,
        send_after=now,
        queued_at=now,
        claimed_at=None,
        last_error="",
        reason="",
    )
    after_commit(messages_send_later, again)
    return len(again)


def messages_resend(*, now: datetime | None = None) -> int:
    """The sweeper: send, in batches until none is left (or for SWEEP_SECONDS), every pending
    message that is due and whose task is not just waiting in the queue: queued long ago (the
    task was lost, or the broker never took it), due again after a failure, or held for the
    night. First it decides what stopped workers left in doubt. Returns how many it sent."""
    started = timezone.now()
    now = now or started
    messages_in_doubt(now=now)
    threshold = now - timedelta(seconds=settings.MESSAGES_STUCK_AFTER)
    stuck = (
        Message.objects.filter(state__in=WAITING, send_after__lte=now)
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
            try:
                if message_send(message_id=message_id, now=now, wait=False) == "sent":
                    done += 1
            except Exception:  # one message's fault never stops the sweep of the others
                logger.exception("message %s: the sweeper could not send it", message_id)
    return done


# --- Preferences ----------------------------------------------------------------------------


def preferences_unsubscribe(*, user_id: int, topic: str) -> bool:
    """No more e-mail on `topic` for this person (the one-click unsubscribe of an e-mail):
    their other channels for it are kept. False when the login is gone."""
    from groups.models import Role, User

    from .preferences import chosen

    with transaction.atomic():
        user = User.objects.filter(pk=user_id).first()
        if user is None:
            return False
        if user.role == Role.CHILD:
            # A child's channels are their guardian's choice (ChildReach): e-mail leaves it.
            reach = ChildReach.objects.select_for_update().filter(child__user=user).first()
            if reach is not None and Channel.EMAIL in reach.channels:
                reach.channels = [c for c in reach.channels if c != Channel.EMAIL]
                reach.save(update_fields=["channels", "updated_at"])
            return True
        preferences, _ = Preferences.objects.select_for_update().get_or_create(user=user)
        kept = [channel for channel in chosen(user, preferences, topic) if channel != Channel.EMAIL]
        preferences.channels = {**preferences.channels, topic: kept}
        preferences.save(update_fields=["channels", "updated_at"])
    return True


@transaction.atomic
def preferences_save(
    *,
    user,
    language: str,
    channels: dict[str, list[str]],
    phone: str | None = None,
    children: dict[int, list[str]] | None = None,
) -> Preferences:
    """What a person chose on their messages page, all or nothing: their language, their
    channels for each topic given (the topics not given keep what they had), their mobile
    number unless None, and, for a guardian, where each of their children hears of their
    suggestions ({child id: channels}).

    Raises PermissionDenied, before anything is written, for a child the person is not a
    guardian of, and ValueError for a topic, channel or language their page does not offer.
    A child's row is written only when it changes, so that the guardian named as having set
    it is the one who did."""
    from django.core.exceptions import PermissionDenied

    from groups.models import Guardianship

    from .preferences import CHILD_CHOICES, CHILD_DEFAULT, CHOICES

    offered = CHOICES.get(user.role)
    if offered is None:
        raise PermissionDenied
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"no language {language!r}")
    for topic, wanted in channels.items():
        if topic not in offered or not set(wanted) <= set(offered[topic]):
            raise ValueError(f"{user.role} cannot choose {wanted!r} for {topic!r}")
    children = children or {}
    if any(tuple(wanted) not in CHILD_CHOICES for wanted in children.values()):
        raise ValueError("a child's channels are none, the portal, or the portal and e-mail")
    if children:
        own = Guardianship.objects.filter(guardian__user=user, child__in=list(children))
        if set(children) - set(own.values_list("child_id", flat=True)):
            raise PermissionDenied

    preferences, _ = Preferences.objects.select_for_update().get_or_create(user=user)
    preferences.language = language
    preferences.channels = {
        **preferences.channels,
        **{topic: list(wanted) for topic, wanted in channels.items()},
    }
    if phone is not None:
        preferences.phone = phone
    preferences.save()
    current = dict(
        ChildReach.objects.select_for_update()
        .filter(child__in=list(children))
        .values_list("child_id", "channels")
        if children
        else ()
    )
    for child_id, wanted in children.items():
        if list(wanted) != list(current.get(child_id, CHILD_DEFAULT)):
            ChildReach.objects.update_or_create(
                child_id=child_id, defaults={"channels": list(wanted), "set_by": user}
            )
    return preferences


def preferences_wechat_link(*, user, openid: str) -> Preferences:
    """Link the guardian's WeChat (the openid the Official Account knows them by, from its web
    authorization), or unlink it with openid="": their WeChat messages go there from now on,
    and those still waiting are skipped once it is unlinked."""
    with transaction.atomic():
        preferences, _ = Preferences.objects.select_for_update().get_or_create(user=user)
        preferences.wechat_openid = openid
        preferences.wechat_linked_at = timezone.now() if openid else None
        preferences.save(update_fields=["wechat_openid", "wechat_linked_at", "updated_at"])
    return preferences
