"""The routing sweeper routes, itself, the jobs no worker will route (issue 16, item 5), and
leaves alone those merely waiting in the queue behind a backlog."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from suggestions import services
from suggestions.models import RoutingJob, StageChange, Suggestion
from suggestions.workflow import State
from tests.suggestions.factories import Pipeline

pytestmark = pytest.mark.django_db

GRACE = 60


@pytest.fixture(autouse=True)
def patience(settings):
    settings.SUGGESTIONS_ROUTING_STUCK_AFTER = GRACE


@pytest.fixture
def queue(monkeypatch):
    """The broker's answer to "how many tasks wait in the routing queue"."""
    answer = {"length": 0}
    monkeypatch.setattr(services, "_routing_queue_length", lambda: answer["length"])
    return answer


def submitted(pipe, *, sent_ago=None, created_ago=0):
    """A suggestion sent by its child: its routing job, handed to the broker `sent_ago`
    seconds ago (None: never handed over, as when the broker was down at the commit)."""
    s = pipe.draft()
    services.suggestion_transition(suggestion=s, action="submit", user=pipe.child_user)
    job = RoutingJob.objects.get(suggestion=s, done_at=None)
    now = timezone.now()
    RoutingJob.objects.filter(pk=job.pk).update(
        created_at=now - timedelta(seconds=created_ago),
        sent_at=None if sent_ago is None else now - timedelta(seconds=sent_ago),
    )
    return s, job


def routed_lately(pipe, *, sent_ago):
    """A job the workers routed a moment ago, which the broker had `sent_ago` seconds ago."""
    s, job = submitted(pipe, sent_ago=sent_ago, created_ago=sent_ago)
    assert services.suggestion_route(job_id=job.pk) == "routed"
    return s


def state(s):
    return Suggestion.objects.get(pk=s.pk).state


def test_a_job_the_broker_never_got_is_routed_by_the_sweeper(queue):
    pipe = Pipeline()
    queue["length"] = 3000  # a backlog makes no difference: this job is in no queue
    s, _job = submitted(pipe, sent_ago=None, created_ago=GRACE + 5)

    assert services.routing_jobs_sweep() == 1

    assert state(s) == State.AT_SCHOOL
    assert StageChange.objects.filter(suggestion=s, action="route_to_school").count() == 1


def test_a_job_just_committed_is_left_to_the_send_after_its_commit(queue):
    pipe = Pipeline()
    s, _job = submitted(pipe, sent_ago=None, created_ago=1)

    assert services.routing_jobs_sweep() == 0
    assert state(s) == State.SUBMITTED


def test_a_job_waiting_behind_a_backlog_is_left_in_the_queue(queue):
    """Before: any job older than the threshold was sent again, making the queue longer."""
    pipe = Pipeline()
    queue["length"] = 5000
    routed_lately(pipe, sent_ago=8 * 60)  # the workers route what was sent 8 minutes ago
    s, _job = submitted(pipe, sent_ago=5 * 60, created_ago=5 * 60)

    assert services.routing_jobs_sweep() == 0
    assert state(s) == State.SUBMITTED


def test_a_job_sent_well_before_what_the_workers_route_now_was_lost(queue):
    pipe = Pipeline()
    queue["length"] = 5000
    s, _job = submitted(pipe, sent_ago=10 * 60, created_ago=10 * 60)
    routed_lately(pipe, sent_ago=5 * 60)  # first in, first out: the lost job's turn is past

    assert services.routing_jobs_sweep() == 1
    assert state(s) == State.AT_SCHOOL


def test_when_the_queue_is_empty_a_job_sent_a_while_ago_is_stuck(queue):
    pipe = Pipeline()
    stuck, _job = submitted(pipe, sent_ago=GRACE + 5, created_ago=GRACE + 5)
    fresh, _job = submitted(pipe, sent_ago=2, created_ago=2)

    assert services.routing_jobs_sweep() == 1
    assert state(stuck) == State.AT_SCHOOL
    assert state(fresh) == State.SUBMITTED, "its worker may be routing it right now"


def test_a_job_long_overdue_is_routed_whatever_the_queue_says(queue):
    """The queue is shared with e-mails and reports: it may never be empty when a sweep looks,
    and nothing routed lately gives no frontier."""
    pipe = Pipeline()
    queue["length"] = 40
    s, _job = submitted(pipe, sent_ago=11 * GRACE, created_ago=11 * GRACE)

    assert services.routing_jobs_sweep() == 1
    assert state(s) == State.AT_SCHOOL


def test_when_the_broker_cannot_be_asked_only_long_overdue_jobs_are_routed(queue):
    pipe = Pipeline()
    queue["length"] = None
    recent, _job = submitted(pipe, sent_ago=3 * GRACE, created_ago=3 * GRACE)
    old, _job = submitted(pipe, sent_ago=11 * GRACE, created_ago=11 * GRACE)

    assert services.routing_jobs_sweep() == 1
    assert state(old) == State.AT_SCHOOL
    assert state(recent) == State.SUBMITTED


def test_the_sweep_goes_on_in_batches_until_none_is_left(queue, monkeypatch):
    """Before: at most 500 per run, whatever was left."""
    monkeypatch.setattr(services, "ROUTING_SWEEP_BATCH", 2)
    pipe = Pipeline()
    lost = [submitted(pipe, sent_ago=None, created_ago=GRACE + 5)[0] for _ in range(5)]

    assert services.routing_jobs_sweep() == 5
    assert {state(s) for s in lost} == {State.AT_SCHOOL}
    assert services.routing_jobs_sweep() == 0, "nothing left"


@pytest.mark.parametrize(
    "error",
    [RuntimeError("a bug in one job"), IntegrityError("one bad row")],
    ids=["a bug", "a database error"],  # the latter (a deadlock, a bad row) used to end sweeps
)
def test_one_job_that_fails_does_not_stop_the_others(queue, monkeypatch, error):
    pipe = Pipeline()
    first, bad = submitted(pipe, created_ago=GRACE + 5)
    second, _job = submitted(pipe, created_ago=GRACE + 5)
    route = services.suggestion_route

    def fails_for_bad(*, job_id, wait=True):
        if job_id == bad.pk:
            raise error
        return route(job_id=job_id, wait=wait)

    monkeypatch.setattr(services, "suggestion_route", fails_for_bad)
    assert services.routing_jobs_sweep() == 1
    assert state(second) == State.AT_SCHOOL
    assert state(first) == State.SUBMITTED


def test_the_sweep_stops_when_the_database_is_away(queue, monkeypatch):
    from django.db import OperationalError

    pipe = Pipeline()
    for _ in range(2):
        submitted(pipe, created_ago=GRACE + 5)
    calls = []

    def database_away(*, job_id, wait=True):
        calls.append(job_id)
        raise OperationalError("server closed the connection")

    monkeypatch.setattr(services, "suggestion_route", database_away)
    monkeypatch.setattr(services, "database_answers", lambda: False)
    assert services.routing_jobs_sweep() == 0
    assert len(calls) == 1, "it does not knock on a closed door once per job"


def test_the_sweep_stops_after_its_time(queue, monkeypatch):
    monkeypatch.setattr(services, "ROUTING_SWEEP_SECONDS", 0)
    pipe = Pipeline()
    submitted(pipe, created_ago=GRACE + 5)

    assert services.routing_jobs_sweep() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_job_a_worker_is_routing_right_now_is_left_to_it(queue, monkeypatch):
    monkeypatch.setattr(services, "routing_job_send", lambda job_id: False)  # the broker is away
    pipe = Pipeline()
    s, job = submitted(pipe, created_ago=GRACE + 5)
    holding, release = threading.Event(), threading.Event()

    def a_worker_routing_it():
        with transaction.atomic():
            RoutingJob.objects.select_for_update().get(pk=job.pk)
            holding.set()
            release.wait(30)
        connection.close()

    worker = threading.Thread(target=a_worker_routing_it)
    worker.start()
    try:
        assert holding.wait(10)
        assert services.suggestion_route(job_id=job.pk, wait=False) == "busy"
        assert services.routing_jobs_sweep() == 0, "skipped, not waited for"
    finally:
        release.set()
        worker.join()
    assert state(s) == State.SUBMITTED


def test_the_routing_queue_length_comes_from_the_broker(monkeypatch):
    """memory:// in most tests, Redis where REDIS_URL is set: both answer through kombu."""
    from kombu import Exchange, Queue

    from hangzhou_cfc.celery import app

    name = f"sweeper-test-{uuid.uuid4().hex}"
    monkeypatch.setitem(app.conf, "task_default_queue", name)
    assert services._routing_queue_length() == 0, "an empty queue, never used"
    queue = Queue(name, Exchange(name), routing_key=name)
    with app.connection_for_write() as conn:
        for _ in range(3):
            conn.Producer().publish(
                {"n": 1}, exchange=queue.exchange, routing_key=name, declare=[queue]
            )
        try:
            assert services._routing_queue_length() == 3
        finally:
            queue(conn.default_channel).delete()


def test_the_routing_queue_length_is_unknown_when_the_broker_is_away(monkeypatch):
    from hangzhou_cfc.celery import app

    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(app, "_pool", None)
    assert services._routing_queue_length() is None
