"""Writes of the outbox: queue a message with its cause, send it once, sweep what was left.

A message is sent by the worker that claims its row. A task's list is leased first (one short
transaction moves its `send_after` ahead, so that no other task or sweeper takes it meanwhile);
then each message is claimed in turn: made "sending" and committed, only if the lease is still
the task's own; then its transport hands it to the provider, outside any transaction (a slow
provider holds no lock); then the outcome is written, in the same statement as the next
message's claim. Two tasks for one message cannot both send it: the second finds it leased or
claimed. A worker killed while the provider is asked leaves the row "sending": the sweeper
sends it again only where the receiver drops a second copy (e-mail's fixed Message-ID), and
otherwise gives it up for the office to look at, so that no SMS or WeChat message is ever sent
twice (transports.Transport.resend_in_doubt). What it had leased and not handed over is due
again when the lease is over.
"""

import logging
from collections.abc import Callable, Iterable
from contextlib import nullcontext, suppress
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
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
TEMPLATES: dict[str, Callable[..., Content | tuple[str, str] | None]] = {}
# template name → loads what many messages of it are about at once: {message id: thing}. A
# template with a loader is rendered as render(message, thing), and not at all (the message is
# skipped) when its thing is not in what the loader gave.
LOADERS: dict[str, Callable[[list[Message]], dict[int, Any]]] = {}

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


def template(name: str, *, secret: bool = False, load=None):
    def register(render):
        TEMPLATES[name] = render
        if load is not None:
            LOADERS[name] = load
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


def _save(message: Message, fields: list[str], only_if: Q | None) -> bool:
    """Write `fields` of the message; with `only_if`, only while the row still matches it (the
    lease or the claim is still ours), so that a worker whose lease ran out never overwrites
    what another has written since. True when written."""
    if only_if is None:
        message.save(update_fields=fields)
        return True
    changes = {field: getattr(message, field) for field in fields}
    return bool(Message.objects.filter(only_if, pk=message.pk).update(**changes))


def _done(message: Message, state: str, *fields: str, only_if: Q | None = None) -> bool:
    """A message leaves the outbox's work: its secret, if any, is not kept a moment longer."""
    message.state, message.sealed_secret = state, ""
    return _save(message, ["state", "sealed_secret", *fields], only_if)


def _failed_attempt(
    message: Message, error: Exception, now: datetime, transport=None, only_if: Q | None = None
) -> str:
    """Write a failed attempt: tried again after a pause, or given up (at once when the
    provider refused it for good, or may have taken it where a copy would not be dropped).
    "not_pending" when `only_if` no longer holds: another worker has the message now."""
    message.last_error = getattr(error, "code", "") or type(error).__name__[:100]
    message.reason = reason(getattr(error, "reason", ""))
    in_doubt = isinstance(error, InDoubt) and not (transport and transport.resend_in_doubt)
    if in_doubt:
        message.last_error = IN_DOUBT
    if in_doubt or isinstance(error, Undeliverable) or message.attempts >= MAX_ATTEMPTS:
        written = _done(
            message, MessageState.GIVEN_UP, "attempts", "last_error", "reason", only_if=only_if
        )
    else:
        message.state = MessageState.FAILED
        message.send_after = now + _backoff(message.attempts)
        written = _save(
            message, ["state", "attempts", "last_error", "reason", "send_after"], only_if
        )
    if not written:
        return "not_pending"
    logger.warning(
        "message %s not sent (attempt %d): %s", message.pk, message.attempts, message.last_error
    )
    return "given_up" if message.state == MessageState.GIVEN_UP else "retry"


def _render(message: Message, loaded: dict) -> Content | None:
    render = TEMPLATES.get(message.template)
    if render is None:
        message.attempts = MAX_ATTEMPTS  # a template that is gone will not come back
        raise LookupError(f"no message template {message.template!r}")
    with _guarded(), translation.override(message.language):
        if message.template in LOADERS:
            # None: what it was about is gone, there is nothing to say.
            thing = loaded.get(message.pk)
            rendered = render(message, thing) if thing is not None else None
        else:
            rendered = render(message)
    if rendered is None or isinstance(rendered, Content):
        return rendered
    subject, body = rendered
    return Content(subject=str(subject), body=body)


def _loaded(messages: list[Message]) -> dict[int, Any]:
    """What the templates with a loader need for these messages, one query or so per template
    instead of one per message: {message id: the thing}. A loader that fails leaves its
    messages out: each is then rendered as a failed attempt."""
    loaded: dict[int, Any] = {}
    by_template: dict[str, list[Message]] = {}
    for message in messages:
        by_template.setdefault(message.template, []).append(message)
    for name, theirs in by_template.items():
        if name not in LOADERS:
            continue
        try:
            with _guarded():
                loaded.update(LOADERS[name](theirs))
        except Exception:
            logger.exception("messages of %s: their template's loader failed", name)
            for message in theirs:
                loaded[message.pk] = _LOADER_FAILED
    return loaded


_LOADER_FAILED = object()


def _guarded():
    """A savepoint when called inside a transaction (a test's, a caller's): a query of a
    template that fails leaves it usable. A worker renders outside any, and pays nothing."""
    return transaction.atomic() if connection.in_atomic_block else nullcontext()


def _take(ids, now, until, wait, outcomes) -> list[tuple[Message, Any, str]]:
    """Lease the waiting messages among `ids` that are due, in one short transaction: the
    ones that can be sent get `send_after = until`, so that no other task or sweeper takes
    them meanwhile (they are due again for the sweeper when the lease is over: their worker
    stopped, or is so slow that another may send them, see the fences in messages_send); the
    others are settled here (no transport, no address, kept for the morning). Returns
    (message, transport, address) for each one leased."""
    taken = []
    with transaction.atomic():
        messages = (
            Message.objects.select_for_update(skip_locked=not wait, of=("self",))
            # The transports read the recipient's number or openid from their preferences:
            # joined here, not one more query per message.
            .select_related("recipient", "recipient__message_preferences")
            .filter(pk__in=ids, state__in=WAITING, send_after__lte=now)
            .order_by("pk")
        )
        for message in messages:
            recipient = message.recipient
            try:
                transport = transport_for(message.channel)
            except Exception:  # a transport the settings name wrongly: this row alone gives up
                logger.exception("message %s: its channel's transport cannot be made", message.pk)
                transport = None
            if transport is None:
                message.last_error = NO_TRANSPORT
                _done(message, MessageState.GIVEN_UP, "last_error")
                outcomes[message.pk] = "given_up"
                continue
            try:
                address = transport.address(recipient) if recipient.is_active else ""
            except Exception as error:
                message.attempts += 1
                outcomes[message.pk] = _failed_attempt(message, error, now, transport)
                continue
            if not address:
                _done(message, MessageState.SKIPPED)
                outcomes[message.pk] = "skipped"
                continue
            morning = quiet_until(now) if kept_quiet(recipient, transport) else None
            if morning is not None:
                message.send_after = morning
                message.save(update_fields=["send_after"])
                outcomes[message.pk] = "later"
                continue
            message.send_after = until
            taken.append((message, transport, address))
        if taken:
            Message.objects.filter(pk__in=[message.pk for message, _, _ in taken]).update(
                send_after=until
            )
    return taken


def messages_send(
    *, ids: Iterable[int], now: datetime | None = None, wait: bool = True
) -> dict[int, str]:
    """Send the waiting messages among `ids` that are due, each once. Returns, for each id,
    what happened: "sent", "retry", "given_up", "skipped", "later" (quiet hours), or
    "not_pending" (sent or being sent already, not due, or, with wait=False as the sweeper
    calls it, locked by another worker).

    The messages are leased and read with their recipients in one query (_take), and what
    their templates need in one query per template (LOADERS); then each, in turn, is claimed
    ("sending" committed, only if the lease is still ours, in the same statement that records
    the one sent before it: _claim), handed to its provider outside any transaction, and its
    outcome written. A worker stopped at any moment leaves at most one message "sending", in
    doubt; the rest of its lease is sent by the sweeper once the lease is over
    (MESSAGES_STUCK_AFTER).

    Anything that goes wrong, in the template too, counts as an attempt, so that one bad
    message ends given up instead of stopping the ones after it."""
    ids = list(ids)
    started = timezone.now()
    now = now or started

    def clock():  # `now` as the list goes on: a long list takes a while
        return now + (timezone.now() - started)

    outcomes = dict.fromkeys(ids, "not_pending")
    until = now + timedelta(seconds=settings.MESSAGES_STUCK_AFTER)
    taken = _take(ids, now, until, wait, outcomes)
    # Every write from here on is fenced: by the lease until a message is claimed, by the
    # claim after. A worker whose lease ran out (stalled for MESSAGES_STUCK_AFTER) writes
    # nothing over what the sweeper did meanwhile.
    leased = Q(state__in=WAITING, send_after=until)
    ready = []
    loaded = _loaded([message for message, _, _ in taken])
    for message, transport, address in taken:
        message.attempts += 1
        try:
            if loaded.get(message.pk) is _LOADER_FAILED:
                raise LookupError(f"{message.template}: its loader failed")
            content = _render(message, loaded)
        except Exception as error:
            outcomes[message.pk] = _failed_attempt(message, error, clock(), only_if=leased)
            continue
        if content is None:
            if _done(message, MessageState.SKIPPED, "attempts", only_if=leased):
                outcomes[message.pk] = "skipped"
            continue
        ready.append((message, transport, address, content))

    sent = None  # the message sent last: recorded in the same statement as the next one's claim
    for message, transport, address, content in ready:
        message.claimed_at = clock()
        try:
            claimed = _claim(message, until, sent)
        except Exception:
            if sent is not None:  # delivered: say so, if the database lets us
                with suppress(Exception):
                    _record_sent(sent)
            raise
        sent = None
        if not claimed:  # the lease ran out and another worker took it
            continue
        message.state = MessageState.SENDING
        try:
            provider_id = transport.send(message=message, content=content, address=address)
        except Exception as error:
            ours = Q(state=MessageState.SENDING, claimed_at=message.claimed_at)
            outcomes[message.pk] = _failed_attempt(message, error, clock(), transport, ours)
            continue
        message.provider_id = str(provider_id or "")[:100]
        message.sent_at = timezone.now()
        outcomes[message.pk], sent = "sent", message
    if sent is not None:
        _record_sent(sent)
    return outcomes


def _record_sent(message: Message) -> None:
    message.state, message.sealed_secret = MessageState.SENT, ""
    Message.objects.filter(pk=message.pk).update(
        state=MessageState.SENT,
        sealed_secret="",
        provider_id=message.provider_id,
        sent_at=message.sent_at,
    )


# The outbox's hot path, one statement (one round trip, one commit) per message: "sending" for
# the message about to be handed over, if its lease is still ours, and "sent" for the one
# handed over before it. Raw SQL because the ORM would need two UPDATEs in a transaction, or a
# Case for each column that costs as much to compile as the statement takes to run.
_CLAIM = """
UPDATE messaging_message SET
    state = CASE WHEN id = %s THEN %s ELSE %s END,
    claimed_at = CASE WHEN id = %s THEN %s ELSE claimed_at END,
    attempts = CASE WHEN id = %s THEN %s ELSE attempts END,
    provider_id = CASE WHEN id = %s THEN provider_id ELSE %s END,
    sent_at = CASE WHEN id = %s THEN sent_at ELSE %s END,
    sealed_secret = CASE WHEN id = %s THEN sealed_secret ELSE '' END
WHERE (id = %s AND state IN (%s, %s) AND send_after = %s) OR id = %s
RETURNING id
"""


def _claim(message: Message, until: datetime, sent: Message | None) -> bool:
    """Claim `message` ("sending", its attempt counted) unless its lease (`until`) ran out
    and another worker took it, and write the outcome of `sent`, the message sent before it,
    in the same commit. True when the claim is ours."""
    adapt = connection.ops.adapt_datetimefield_value
    pk = message.pk
    if sent is not None:
        sent.state, sent.sealed_secret = MessageState.SENT, ""
    sent_pk, provider_id, sent_at = (
        (sent.pk, sent.provider_id, adapt(sent.sent_at)) if sent else (None, "", None)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            _CLAIM,
            [
                pk, MessageState.SENDING.value, MessageState.SENT.value,
                pk, adapt(message.claimed_at),
                pk, message.attempts,
                pk, provider_id,
                pk, sent_at,
                pk,
                pk, *[state.value for state in WAITING], adapt(until), sent_pk,
            ],
        )  # fmt: skip
        return any(row[0] == pk for row in cursor.fetchall())


def message_send(*, message_id: int, now: datetime | None = None, wait: bool = True) -> str:
    """messages_send for one message: what happened to it."""
    return messages_send(ids=[message_id], now=now, wait=wait)[message_id]


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
        last = ids[-1]
        for start in range(0, len(ids), SEND_CHUNK):
            if timezone.now() >= deadline:
                break
            chunk = ids[start : start + SEND_CHUNK]
            try:
                outcomes = messages_send(ids=chunk, now=now, wait=False)
            except Exception:  # one batch's fault never stops the sweep of the others
                logger.exception("messages %s to %s: not swept", chunk[0], chunk[-1])
                continue
            done += sum(outcome == "sent" for outcome in outcomes.values())
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
