"""Reliability (issue 20): SMS sent by real Celery workers to the Tencent stand-in, while the
worker is killed (SIGKILL, its whole process group) in the middle of the batch, twice. No SMS
reaches the stand-in twice; every message ends sent, or given up "in doubt" (the one a killed
worker was sending, if any); nothing is left waiting."""

import json
import os
import signal
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from groups.models import Role, User
from hangzhou_cfc.celery import app
from messaging import services
from messaging.models import WAITING, Message, MessageState, Preferences
from suggestions.models import Notification
from tests.groups.factories import UserFactory
from tests.helpers import wait_for
from tests.suggestions.test_reliability import forget_connections, start_worker

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
]

MESSAGES = 400
KILLS_AT = (100, 250)  # how many SMS the stand-in has taken when each worker is killed


def sms_worker_env(monkeypatch, standin):
    """What the worker processes read from the environment: the SMS channel on the stand-in."""
    for name, value in {
        "SMS_SECRET_ID": standin.secret_id,
        "SMS_SECRET_KEY": standin.secret_key,
        "SMS_SDK_APP_ID": django_settings.SMS_SDK_APP_ID,
        "SMS_SIGN_NAME": django_settings.SMS_SIGN_NAME,
        "SMS_ENDPOINT": standin.endpoint,
        "SMS_SCHEME": "http",
        "SMS_TIMEOUT": "2",
        "SMS_TEMPLATES": json.dumps(django_settings.SMS_TEMPLATES),
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def queue(settings):
    """Tasks this test sends go to a queue of its own, on the test's Redis."""
    name = f"kills-{os.getpid()}"
    saved = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager, app.conf.task_default_queue = False, name
    forget_connections()
    yield name
    app.conf.task_always_eager, app.conf.task_default_queue = saved
    forget_connections()


def _staff_on_sms(pipe, count):
    """`count` school coordinators who chose SMS (staff: no quiet hours, whatever the hour CI
    runs at), each with their own number, and a notice for each."""
    users = [
        UserFactory.build(role=Role.SCHOOL, username=f"sms-staff-{i}", display_name=f"S{i}")
        for i in range(count)
    ]
    users = User.objects.bulk_create(users)
    Preferences.objects.bulk_create(
        Preferences(user=user, phone=f"+861380000{i:04d}") for i, user in enumerate(users)
    )
    suggestion = pipe.draft()
    notices = Notification.objects.bulk_create(
        Notification(recipient=user, suggestion=suggestion, kind="new_in_inbox") for user in users
    )
    return notices


def test_no_sms_is_sent_twice_while_workers_are_killed_mid_batch(
    pipe, sms_standin, queue, monkeypatch, settings
):
    settings.MESSAGES_IN_DOUBT_AFTER = 5
    settings.MESSAGES_STUCK_AFTER = 5
    sms_worker_env(monkeypatch, sms_standin)
    # The workers' leases as short: what a killed worker had taken and not handed over is due
    # again for the sweeper below 5 s later.
    monkeypatch.setenv("MESSAGES_STUCK_AFTER", "5")
    notices = _staff_on_sms(pipe, MESSAGES)
    workers = []

    def start():
        worker = start_worker(settings.REDIS_URL, queue, own_session=True)
        workers.append(worker)
        # Tasks wait in the queue for it; the first one starts the sending.
        return worker

    start()
    with transaction.atomic():
        messages = services.messages_queue(
            template="suggestions.notification",
            recipients=[(notice.recipient, {"notification": notice.pk}) for notice in notices],
            channel="sms",
            topic="work",
        )
    ids = [message.pk for message in messages]
    try:
        for kill_at in KILLS_AT:
            wait_for(lambda kill_at=kill_at: sms_standin.count >= kill_at, timeout=120)
            doomed = workers[-1]
            os.killpg(doomed.pid, signal.SIGKILL)
            doomed.wait(timeout=20)
            start()

        # The killed workers' tasks are not given back before the broker's visibility
        # timeout: the sweeper (run here, beside the last worker) sends what they held, and
        # decides what they left in doubt.
        def all_done():
            services.messages_resend(now=timezone.now() + timedelta(seconds=10))
            return not Message.objects.filter(pk__in=ids, state__in=[*WAITING, "sending"]).exists()

        deadline = time.monotonic() + 240
        while not all_done():
            assert time.monotonic() < deadline, "messages still waiting after 4 minutes"
            time.sleep(1)
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=30)

    contexts = [sent.session_context for sent in sms_standin.sent]
    duplicates = len(contexts) - len(set(contexts))
    states = dict(Message.objects.filter(pk__in=ids).values_list("state").annotate(n=Count("pk")))
    in_doubt = Message.objects.filter(
        pk__in=ids, state=MessageState.GIVEN_UP, last_error=services.IN_DOUBT
    )
    print(
        f"\nstates: {states}; SMS taken by the stand-in: {len(contexts)}; duplicates: {duplicates}"
    )
    assert duplicates == 0, "no SMS reached the stand-in twice"
    assert set(states) <= {MessageState.SENT, MessageState.GIVEN_UP}
    assert in_doubt.count() == states.get(MessageState.GIVEN_UP, 0) <= len(KILLS_AT), (
        "at most the one message each killed worker was sending is in doubt"
    )
    sent = set(
        Message.objects.filter(pk__in=ids, state=MessageState.SENT).values_list("pk", flat=True)
    )
    assert {f"message-{pk}" for pk in sent} <= set(contexts), "every SMS marked sent arrived"
    assert len(sent) + in_doubt.count() == MESSAGES
