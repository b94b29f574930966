"""The outbox: every e-mail is written with its cause, sent once after the commit, and sent by
the sweeper when its task was lost (issue 16, item 4: 2,258 of 10,981 staff e-mails were lost
while the broker was unreachable or Redis lost its queue)."""

from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.utils import timezone

from messaging import services
from messaging.models import Message, MessageState
from suggestions import services as suggestion_services
from suggestions.models import Notification

pytestmark = pytest.mark.django_db


def submit(pipe):
    suggestion = pipe.draft()
    suggestion_services.suggestion_transition(
        suggestion=suggestion, action="submit", user=pipe.child_user
    )
    return suggestion


def queued(pipe):
    """A notice for the school's staff and its e-mail in the outbox."""
    notice = Notification.objects.create(
        recipient=pipe.school_staff, suggestion=pipe.draft(), kind="new_in_inbox"
    )
    return services.message_queue(
        recipient=pipe.school_staff,
        template="suggestions.notification",
        context={"notification": notice.pk},
    )


@pytest.fixture
def broker_away(monkeypatch):
    """The broker takes the routing task (run here in-process) but not the e-mail's."""
    from messaging import tasks

    def unreachable(*args, **kwargs):
        raise ConnectionRefusedError("the broker is away")

    monkeypatch.setattr(tasks.send_messages, "apply_async", unreachable)


def test_routing_writes_one_message_per_staff_e_mail_and_sends_it_after_the_commit(
    pipe, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(pipe)

    message = Message.objects.get(channel="email")
    assert (message.recipient, message.template, message.state) == (
        pipe.school_staff,
        "suggestions.notification",
        MessageState.SENT,
    )
    assert set(message.context) == {"notification"}, "ids only, no text"
    (email,) = mail.outbox
    assert email.to == ["school@example.org"]
    assert email.extra_headers["Message-ID"] == f"<message-{message.pk}@127.0.0.1>"
    assert message.provider_id == email.extra_headers["Message-ID"]
    inbox = Message.objects.filter(channel="inbox", state=MessageState.SENT)
    assert sorted(inbox.values_list("context__notification", flat=True)) == sorted(
        Notification.objects.values_list("pk", flat=True)
    ), "every notice in the portal is the outbox's inbox channel, delivered with its cause"


def test_an_e_mail_the_broker_could_not_take_is_sent_by_the_sweeper_once(
    pipe, broker_away, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(pipe)
    assert mail.outbox == []
    assert Message.objects.get(channel="email").state == MessageState.QUEUED

    assert services.messages_resend() == 0, "not before its task could be taken for lost"
    later = timezone.now() + timedelta(minutes=3)
    assert services.messages_resend(now=later) == 1
    assert services.messages_resend(now=later) == 0

    assert len(mail.outbox) == 1
    assert Message.objects.get(channel="email").state == MessageState.SENT


def test_a_message_is_sent_once_however_often_its_task_runs(pipe):
    message = queued(pipe)

    assert services.message_send(message_id=message.pk) == "sent"
    assert services.message_send(message_id=message.pk) == "not_pending"
    assert len(mail.outbox) == 1


def test_a_mail_server_that_fails_is_tried_again_later_and_then_given_up(pipe, monkeypatch):
    message = queued(pipe)

    def down(self, *args, **kwargs):
        raise SMTPServerDisconnected("the mail server closed the connection")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", down)
    assert services.message_send(message_id=message.pk) == "retry"
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_error) == (
        MessageState.FAILED,
        1,
        "SMTPServerDisconnected",
    )
    assert message.send_after > timezone.now(), "not due again at once"
    assert services.messages_resend() == 0

    for day in range(1, services.MAX_ATTEMPTS):
        services.messages_resend(now=timezone.now() + timedelta(days=day))
    message.refresh_from_db()
    assert (message.state, message.attempts) == (MessageState.GIVEN_UP, services.MAX_ATTEMPTS)


def test_staff_without_an_e_mail_get_no_message(pipe, django_capture_on_commit_callbacks):
    pipe.school_staff.email = ""
    pipe.school_staff.save(update_fields=["email"])

    with django_capture_on_commit_callbacks(execute=True):
        submit(pipe)

    assert not Message.objects.exclude(channel="inbox").exists()
    assert Notification.objects.filter(recipient=pipe.school_staff).exists()


def test_the_sweeper_leaves_a_message_whose_task_waits_in_the_queue(pipe):
    message = queued(pipe)
    Message.objects.filter(pk=message.pk).update(queued_at=timezone.now())

    assert services.messages_resend() == 0
    later = timezone.now() + timedelta(minutes=10)
    assert services.messages_resend(now=later) == 1


def test_the_sweepers_run_on_a_queue_of_their_own():
    from hangzhou_cfc.celery import app

    for task in ("messaging.tasks.resend_messages", "suggestions.tasks.resend_stuck_routing_jobs"):
        assert app.amqp.router.route({}, task)["queue"].name == "sweeper"


def test_a_message_that_cannot_be_rendered_ends_failed_and_the_next_one_is_still_sent(pipe):
    from messaging.services import TEMPLATES

    def broken(message):
        raise KeyError("a template that lost its data")

    TEMPLATES["tests.broken"] = broken
    try:
        bad = services.message_queue(
            recipient=pipe.school_staff, template="tests.broken", context={}
        )
        good = queued(pipe)
        later = timezone.now() + timedelta(minutes=10)
        assert services.messages_resend(now=later) == 1
        for day in range(1, services.MAX_ATTEMPTS + 1):
            services.messages_resend(now=later + timedelta(days=day))
    finally:
        del TEMPLATES["tests.broken"]

    bad.refresh_from_db()
    good.refresh_from_db()
    assert (bad.state, bad.last_error) == (MessageState.GIVEN_UP, "KeyError")
    assert good.state == MessageState.SENT
    assert len(mail.outbox) == 1


def test_staff_who_left_are_not_e_mailed(pipe):
    message = queued(pipe)
    pipe.school_staff.is_active = False
    pipe.school_staff.save(update_fields=["is_active"])

    assert services.message_send(message_id=message.pk) == "skipped"
    assert mail.outbox == []


@pytest.fixture
def with_secret():
    """A template that puts its message's secret in the text, as a link's token would be."""
    from messaging.services import TEMPLATES

    TEMPLATES["tests.secret"] = lambda message: ("A link", f"/link/{message.secret()}/")
    yield "tests.secret"
    del TEMPLATES["tests.secret"]


def test_a_secret_is_kept_encrypted_until_sent_and_then_erased(pipe, with_secret):
    message = services.message_queue(
        recipient=pipe.school_staff, template=with_secret, context={}, secret="s3cr3t-token"
    )
    stored = Message.objects.values_list("sealed_secret", "context").get(pk=message.pk)
    assert "s3cr3t-token" not in str(stored), "encrypted at rest, never in the context"

    assert services.message_send(message_id=message.pk) == "sent"

    assert mail.outbox[0].body == "/link/s3cr3t-token/"
    message.refresh_from_db()
    assert message.sealed_secret == ""


def test_a_secret_is_erased_when_its_message_is_skipped_or_given_up(pipe, with_secret, monkeypatch):
    skipped = services.message_queue(
        recipient=pipe.school_staff, template=with_secret, context={}, secret="one"
    )
    services.message_queue(
        recipient=pipe.community_staff, template=with_secret, context={}, secret="two"
    )
    pipe.school_staff.is_active = False
    pipe.school_staff.save(update_fields=["is_active"])
    pipe.community_staff.email = "community@example.org"
    pipe.community_staff.save(update_fields=["email"])
    assert services.message_send(message_id=skipped.pk) == "skipped"

    def down(self, *args, **kwargs):
        raise SMTPServerDisconnected("the mail server closed the connection")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", down)
    for day in range(services.MAX_ATTEMPTS):
        services.messages_resend(now=timezone.now() + timedelta(days=day + 1))

    assert list(Message.objects.order_by("pk").values_list("state", "sealed_secret")) == [
        (MessageState.SKIPPED, ""),
        (MessageState.GIVEN_UP, ""),
    ]


def test_a_secret_that_cannot_be_decrypted_fails_its_message_alone(pipe, with_secret, settings):
    from cryptography.fernet import Fernet

    lost = services.message_queue(
        recipient=pipe.school_staff, template=with_secret, context={}, secret="old key"
    )
    settings.PERSONAL_DATA_KEYS = [Fernet.generate_key().decode()]
    good = services.message_queue(
        recipient=pipe.school_staff, template=with_secret, context={}, secret="new key"
    )

    assert services.messages_resend(now=timezone.now() + timedelta(minutes=10)) == 1
    lost.refresh_from_db()
    assert (lost.state, lost.attempts, lost.last_error) == (
        MessageState.FAILED,
        1,
        "PersonalDataKeyError",
    )
    assert Message.objects.get(pk=good.pk).state == MessageState.SENT


def test_rotating_the_personal_data_key_re_encrypts_the_secrets_waiting(
    pipe, with_secret, settings
):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    message = services.message_queue(
        recipient=pipe.school_staff, template=with_secret, context={}, secret="token"
    )
    new_key = Fernet.generate_key().decode()
    settings.PERSONAL_DATA_KEYS = [new_key, *settings.PERSONAL_DATA_KEYS]
    call_command("rotate_personal_data_key", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.PERSONAL_DATA_KEYS = [new_key]

    assert services.message_send(message_id=message.pk) == "sent"
    assert mail.outbox[0].body == "/link/token/"


def test_the_admin_shows_a_message_but_never_its_secret(pipe, with_secret, admin_client):
    from django.urls import reverse

    message = services.message_queue(
        recipient=pipe.school_staff, template=with_secret, context={}, secret="s3cr3t-token"
    )

    listing = admin_client.get(reverse("admin:messaging_message_changelist"))
    page = admin_client.get(reverse("admin:messaging_message_change", args=[message.pk]))

    assert listing.status_code == page.status_code == 200
    assert with_secret in page.text
    sealed = Message.objects.values_list("sealed_secret", flat=True).get(pk=message.pk)
    assert "s3cr3t-token" not in page.text and sealed not in page.text


def test_many_messages_are_written_at_once_and_handed_to_the_worker_in_chunks(
    pipe, monkeypatch, django_capture_on_commit_callbacks
):
    from messaging import tasks

    monkeypatch.setattr(services, "SEND_CHUNK", 2)
    handed = []
    monkeypatch.setattr(
        tasks.send_messages, "apply_async", lambda args, **kwargs: handed.append(args[0])
    )
    notices = [
        Notification.objects.create(recipient=user, suggestion=pipe.draft(), kind="new_in_inbox")
        for user in (pipe.school_staff, pipe.community_staff, pipe.school_staff)
    ]

    with django_capture_on_commit_callbacks(execute=True):
        messages = services.messages_queue(
            template="suggestions.notification",
            recipients=[(n.recipient, {"notification": n.pk}) for n in notices],
        )

    assert handed == [[messages[0].pk, messages[1].pk], [messages[2].pk]]
    assert all(m.state == MessageState.QUEUED and m.queued_at for m in messages)


def notices_mailed(pipe, count):
    """`count` e-mails to the school's staff, each about a notice of its own."""
    return [
        services.message_queue(
            recipient=pipe.school_staff,
            template="suggestions.notification",
            context={"notification": notice.pk},
        )
        for notice in Notification.objects.bulk_create(
            Notification(recipient=pipe.school_staff, suggestion=pipe.draft(), kind="new_in_inbox")
            for _ in range(count)
        )
    ]


@pytest.mark.django_db(transaction=True)  # as in the worker: outside any transaction
def test_a_list_is_read_in_three_queries_and_each_message_costs_one_statement(
    pipe, django_assert_num_queries, monkeypatch
):
    """The outbox's hot path (issue 20's throughput): the lease reads the messages, their
    recipients and preferences in one query and leases them in one more; the template's
    loader reads every notice in one; then one statement per message claims it and records
    the one before (and one records the last)."""
    monkeypatch.setattr(services, "messages_send_later", lambda ids: True)  # sent below
    few, more = notices_mailed(pipe, 3), notices_mailed(pipe, 9)

    # the lease's transaction (begin, read, write, commit); notices; 3 claims; the last record
    with django_assert_num_queries(4 + 1 + 3 + 1):
        services.messages_send(ids=[message.pk for message in few])
    with django_assert_num_queries(4 + 1 + 9 + 1):
        services.messages_send(ids=[message.pk for message in more])

    assert len(mail.outbox) == 12
    assert set(Message.objects.filter(channel="email").values_list("state", flat=True)) == {
        MessageState.SENT
    }


def test_a_message_whose_lease_ran_out_and_was_taken_by_another_is_not_sent_twice(
    pipe, monkeypatch
):
    """A worker so slow that its lease ran out (MESSAGES_STUCK_AFTER) while it sent the first
    message of its list: the sweeper tries the others meanwhile, and the mail server fails
    them, so that they wait to be tried again (waiting, as they were). The slow worker's claim
    of each then finds the lease no longer its own, and sends none of them."""
    first, *others = notices_mailed(pipe, 3)
    transport = services.transport_for("email")
    send = transport.send
    swept = {}

    def slow(*, message, content, address):
        if message.pk == first.pk and not swept:
            swept["sweeping"] = True
            later = timezone.now() + timedelta(minutes=5)
            swept.update(
                services.messages_send(ids=[other.pk for other in others], now=later, wait=False)
            )
            return send(message=message, content=content, address=address)
        if "sweeping" in swept and len(swept) == 1:
            raise SMTPServerDisconnected("the mail server closed the connection")
        return send(message=message, content=content, address=address)

    monkeypatch.setattr(transport, "send", slow)
    outcomes = services.messages_send(ids=[first.pk, *[other.pk for other in others]])

    assert swept == {"sweeping": True, **{other.pk: "retry" for other in others}}
    assert outcomes == {first.pk: "sent", **{other.pk: "not_pending" for other in others}}
    assert len(mail.outbox) == 1, "only the first: the others wait for their next try"
    for other in others:
        other.refresh_from_db()
        assert (other.state, other.attempts) == (MessageState.FAILED, 1)


@pytest.mark.django_db(transaction=True)  # as in the worker: the loader's query not in a savepoint
def test_a_worker_whose_lease_ran_out_while_rendering_writes_nothing_over_the_sweeper(
    pipe, monkeypatch
):
    """The slow worker's template fails after the sweeper has sent the message: the message
    stays sent (not failed, to be sent again), and stays sent once."""
    monkeypatch.setattr(services, "messages_send_later", lambda ids: True)  # sent below
    (message,) = notices_mailed(pipe, 1)
    load = services.LOADERS["suggestions.notification"]
    calls = []

    def slow_then_broken(messages):
        calls.append(len(calls))
        if len(calls) == 1:  # the slow worker: meanwhile the sweeper sends it
            later = timezone.now() + timedelta(minutes=5)
            assert services.messages_send(ids=[message.pk], now=later, wait=False) == {
                message.pk: "sent"
            }
            raise ConnectionError("the database went away")
        return load(messages)

    monkeypatch.setitem(services.LOADERS, "suggestions.notification", slow_then_broken)
    assert services.messages_send(ids=[message.pk]) == {message.pk: "not_pending"}

    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_error) == (MessageState.SENT, 1, "")
    assert services.messages_resend(now=timezone.now() + timedelta(days=1)) == 0
    assert len(mail.outbox) == 1


class WorkerKilled(BaseException):
    """What SIGKILL does to a worker, as far as the database can tell: nothing after it."""


def test_a_worker_stopped_mid_list_leaves_one_message_in_doubt_and_the_rest_to_the_sweeper(
    pipe, monkeypatch, settings
):
    first, second, third = notices_mailed(pipe, 3)
    send = services.transport_for("email").send

    def killed_at_the_second(*, message, content, address):
        if message.pk == second.pk:
            raise WorkerKilled
        return send(message=message, content=content, address=address)

    monkeypatch.setattr(services.transport_for("email"), "send", killed_at_the_second)
    with pytest.raises(WorkerKilled):
        services.messages_send(ids=[first.pk, second.pk, third.pk])
    monkeypatch.undo()

    states = dict(Message.objects.filter(channel="email").values_list("pk", "state"))
    # The first's "sent" was to be written with the second's claim: it is, in one statement.
    assert states == {
        first.pk: MessageState.SENT,
        second.pk: MessageState.SENDING,
        third.pk: MessageState.QUEUED,
    }
    soon = timezone.now() + timedelta(seconds=settings.MESSAGES_STUCK_AFTER - 10)
    assert services.messages_resend(now=soon) == 0, "the third is leased still"
    after_the_lease = timezone.now() + timedelta(seconds=settings.MESSAGES_STUCK_AFTER + 10)
    assert services.messages_resend(now=after_the_lease) == 1
    assert Message.objects.get(pk=third.pk).attempts == 1, "never handed over before"
    in_doubt = timezone.now() + timedelta(seconds=settings.MESSAGES_IN_DOUBT_AFTER + 10)
    assert services.messages_resend(now=in_doubt) == 1, "e-mail in doubt is sent again"
    second.refresh_from_db()
    assert (second.state, second.last_error, second.attempts) == (
        MessageState.SENT,
        services.IN_DOUBT,
        2,
    )
    assert len(mail.outbox) == 3


def test_a_message_about_a_notice_gone_is_skipped_and_a_failing_loader_is_an_attempt(
    pipe, monkeypatch
):
    gone, kept = notices_mailed(pipe, 2)
    Notification.objects.filter(pk=gone.context["notification"]).delete()

    assert services.messages_send(ids=[gone.pk, kept.pk]) == {
        gone.pk: "skipped",
        kept.pk: "sent",
    }

    (broken,) = notices_mailed(pipe, 1)

    def failing(messages):
        raise ConnectionError("the database went away")

    monkeypatch.setitem(services.LOADERS, "suggestions.notification", failing)
    assert services.message_send(message_id=broken.pk) == "retry"
    broken.refresh_from_db()
    assert (broken.state, broken.attempts, broken.last_error) == (
        MessageState.FAILED,
        1,
        "LookupError",
    )
