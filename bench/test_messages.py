"""Benchmark: 10,000 SMS through the outbox, against sending the same SMS directly with the same
client (issue 20: at least half the direct throughput).

    DATABASE_URL=postgres://… REDIS_URL=redis://… make bench PYTEST_ARGS="-k messages"

Both send to the Tencent Cloud SMS stand-in (tests/standins/tencent_sms.py) through the same
transport (messaging.transports.sms.TencentSms: the official SDK, signing every request), side
by side in one run:

- directly: one process calls the transport's `send` for each of the 10,000 messages, with
  the content made beforehand (no database at all);
- through the outbox: the 10,000 rows are queued in one transaction, and real Celery workers
  (MESSAGE_BENCH_CONCURRENCY, default 2: the machine's cores) claim, render, send and record
  each one, as in production; timed from the commit until the last is sent.

Prints both rates and their ratio; fails below RATIO, if any message is not sent, or if the
stand-in took any SMS twice.
"""

import os
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest
from django.db import transaction

from groups.models import Role, User
from hangzhou_cfc.celery import app
from messaging import services
from messaging.models import Message, MessageState, Preferences
from messaging.transports import Content
from messaging.transports.sms import TencentSms
from suggestions.models import Notification
from tests.conftest import BASE_DIR, _database_url_for_subprocess
from tests.groups.factories import UserFactory
from tests.helpers import wait_for
from tests.messaging.test_worker_kills import sms_worker_env
from tests.suggestions.test_reliability import forget_connections

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
]

MESSAGES = 10_000
RATIO = 0.5
CONCURRENCY = int(os.environ.get("MESSAGE_BENCH_CONCURRENCY", "2"))


def start_workers(redis_url, queue):
    """A Celery worker of CONCURRENCY processes, as `make run` and production start it."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hangzhou_cfc.settings.test",
        "DATABASE_URL": _database_url_for_subprocess(),
        "REDIS_URL": redis_url,
    }
    return subprocess.Popen(  # noqa: S603 (our own command line)
        [sys.executable, "-m", "celery", "-A", "hangzhou_cfc", "worker", "--queues", queue,
         "--hostname", f"{queue}@localhost", "--concurrency", str(CONCURRENCY),
         "--without-mingle", "--without-gossip", "--loglevel", "WARNING"],
        cwd=BASE_DIR, env=env, start_new_session=True,
    )  # fmt: skip


def test_messages_through_the_outbox_at_half_the_direct_rate_or_better(
    pipe, sms_standin, monkeypatch, settings
):
    sms_worker_env(monkeypatch, sms_standin)
    monkeypatch.setenv("MESSAGES_STUCK_AFTER", "3600")  # the workers alone send them

    users = User.objects.bulk_create(
        UserFactory.build(role=Role.SCHOOL, username=f"bench-{i}", display_name=f"B{i}")
        for i in range(MESSAGES)
    )
    Preferences.objects.bulk_create(
        Preferences(user=user, phone=f"+86139{i:08d}") for i, user in enumerate(users)
    )
    suggestion = pipe.draft()
    notices = Notification.objects.bulk_create(
        Notification(recipient=user, suggestion=suggestion, kind="new_in_inbox") for user in users
    )

    # Directly: the same transport and client, the content made beforehand.
    transport = TencentSms()
    content = Content(subject="", body="", fields={"news": "新到你的收件箱"})
    started = time.perf_counter()
    for i in range(MESSAGES):
        message = SimpleNamespace(
            pk=-i - 1, template="suggestions.notification", topic="work", language="zh-hans"
        )
        transport.send(message=message, content=content, address=f"+86139{i:08d}")
    direct = time.perf_counter() - started
    assert sms_standin.count == MESSAGES

    # Through the outbox, by real workers.
    queue = f"bench-{os.getpid()}"
    saved = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager, app.conf.task_default_queue = False, queue
    forget_connections()
    workers = [start_workers(settings.REDIS_URL, queue)]
    try:
        wait_for(lambda: app.control.ping([f"{queue}@localhost"], timeout=1), timeout=60)
        started = time.perf_counter()
        with transaction.atomic():
            messages = services.messages_queue(
                template="suggestions.notification",
                recipients=[(n.recipient, {"notification": n.pk}) for n in notices],
                channel="sms",
                topic="work",
            )
        ids = [message.pk for message in messages]
        wait_for(
            lambda: not Message.objects.filter(pk__in=ids).exclude(state="sent").exists(),
            timeout=1200,
            interval=0.5,
        )
        outbox = time.perf_counter() - started
    finally:
        for process in workers:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)
        app.conf.task_always_eager, app.conf.task_default_queue = saved
        forget_connections()

    contexts = [sent.session_context for sent in sms_standin.sent[MESSAGES:]]
    ratio = direct / outbox
    print(
        f"\n{MESSAGES} SMS directly: {direct:.1f} s ({MESSAGES / direct:.0f}/s); "
        f"through the outbox with {CONCURRENCY} worker(s): {outbox:.1f} s "
        f"({MESSAGES / outbox:.0f}/s); ratio {ratio:.2f} (goal ≥ {RATIO}); "
        f"duplicates {len(contexts) - len(set(contexts))}"
    )
    assert Message.objects.filter(pk__in=ids, state=MessageState.SENT).count() == MESSAGES
    assert len(contexts) == len(set(contexts)) == MESSAGES
    assert ratio >= RATIO
