"""Nothing lost, nothing twice: against real PostgreSQL, Redis and worker processes."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from hangzhou_cfc.celery import app
from suggestions import services
from suggestions.models import Outcome, RoutingJob, StageChange, Suggestion
from suggestions.tasks import route_suggestion
from tests.conftest import _database_url_for_subprocess
from tests.helpers import wait_for
from tests.suggestions.factories import Pipeline, route_pending

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
BASE_DIR = Path(__file__).resolve().parents[2]


def in_progress(pipe):
    s = pipe.draft()
    services.suggestion_transition(suggestion=s, action="submit", user=pipe.child_user)
    route_pending()
    for action, user in [("collect", pipe.school_staff), ("forward", pipe.community_staff)]:
        s.refresh_from_db()
        services.suggestion_transition(suggestion=s, action=action, user=user)
        route_pending()
    s.refresh_from_db()
    services.suggestion_transition(
        suggestion=s, action="accept", user=pipe.department_staff,
        planned_on=timezone.localdate() + timedelta(days=10),
    )  # fmt: skip
    s.refresh_from_db()
    return s


def at_once(count, work):
    barrier, results = threading.Barrier(count), []

    def run():
        try:
            barrier.wait()
            results.append(work())
        except Exception as error:  # collected, and asserted by the caller
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_staff_marking_it_implemented_at_the_same_moment_make_one_change():
    pipe = Pipeline()
    colleague = type(pipe.department_staff).objects.create(username="colleague", role="department")
    from groups.models import StaffMember

    StaffMember.objects.create(user=colleague, organisation=pipe.department)
    s = in_progress(pipe)

    def mark(user):
        return lambda: services.suggestion_transition(
            suggestion=s,
            action="mark_implemented",
            user=user,
            expected_version=s.version,
            outcome={"description": "建成", "completed_on": timezone.localdate()},
        )

    results = at_once_pair(mark(pipe.department_staff), mark(colleague))

    assert sum(isinstance(r, Suggestion) for r in results) == 1
    assert sum(isinstance(r, services.StaleSuggestion) for r in results) == 1
    assert StageChange.objects.filter(suggestion=s, action="mark_implemented").count() == 1
    assert Outcome.objects.filter(suggestion=s).count() == 1


def at_once_pair(first, second):
    works = iter([first, second])
    lock = threading.Lock()

    def next_work():
        with lock:
            return next(works)

    return at_once(2, lambda: next_work()())


def ran_and_finished(hostname, task_name, times):
    """The worker has started `task_name` `times` times, and runs nothing now: the last of
    them has finished (what the worker says when asked, over the broker)."""
    inspect = app.control.inspect([hostname], timeout=1)
    stats = (inspect.stats() or {}).get(hostname)
    if stats is None or stats["total"].get(task_name, 0) < times:
        return False
    return (inspect.active() or {}).get(hostname) == []


def waiting_for_the_router(pipe):
    """A submitted suggestion and its routing job, not yet sent (as if the sender were slow)."""
    s = pipe.draft()
    Suggestion.objects.filter(pk=s.pk).update(state="submitted")
    return s, RoutingJob.objects.create(suggestion=s, state="submitted")


def test_the_same_routing_job_run_by_two_workers_at_once_routes_once():
    pipe = Pipeline()
    s, job = waiting_for_the_router(pipe)

    results = at_once(3, lambda: services.suggestion_route(job_id=job.pk))

    assert sorted(results) == ["done_already", "done_already", "routed"]
    assert StageChange.objects.filter(suggestion=s, action="route_to_school").count() == 1


@pytest.mark.redis
@pytest.mark.worker
def test_a_routing_task_delivered_twice_to_a_real_worker_routes_once(celery_worker_process):
    pipe = Pipeline()
    s, job = waiting_for_the_router(pipe)

    route_suggestion.apply_async(args=[job.pk])
    route_suggestion.apply_async(args=[job.pk])

    wait_for(lambda: Suggestion.objects.get(pk=s.pk).state == "at_school")
    wait_for(lambda: ran_and_finished(celery_worker_process.hostname, route_suggestion.name, 2))
    assert StageChange.objects.filter(suggestion=s, action="route_to_school").count() == 1


# --- The broker goes away and comes back ------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnRedis:
    """A redis-server of the test's own, with persistence, that the test can stop and start."""

    def __init__(self, directory):
        self.port, self.directory, self.process = free_port(), directory, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
             "--appendonly", "yes", "--dir", str(self.directory), "--save", ""],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(lambda: _answers(self.port), timeout=20)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=20)


def _answers(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start_worker(redis_url, queue, *, own_session=False):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hangzhou_cfc.settings.test",
        "DATABASE_URL": _database_url_for_subprocess(),
        "REDIS_URL": redis_url,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "hangzhou_cfc", "worker", "--queues", queue,
         "--hostname", f"{queue}@localhost", "--concurrency", "1", "--without-mingle",
         "--without-gossip", "--loglevel", "WARNING"],
        cwd=BASE_DIR, env=env, start_new_session=own_session,
    )  # fmt: skip


@pytest.fixture
def broker(tmp_path, settings):
    """The app pointed at a Redis of the test's own, and a worker on it."""
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server")
    redis = OwnRedis(tmp_path)
    redis.start()
    queue = f"outage-{os.getpid()}"
    saved = (app.conf.broker_url, app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.broker_url, app.conf.task_always_eager = redis.url, False
    app.conf.task_default_queue = queue
    app.conf.broker_connection_timeout = 1
    forget_connections()
    worker = start_worker(redis.url, queue)
    try:
        yield redis
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
        if redis.process.poll() is None:
            redis.stop()
        app.conf.broker_url, app.conf.task_always_eager, app.conf.task_default_queue = saved
        forget_connections()


def forget_connections():
    """Make the app connect afresh to whatever broker_url says now (as Celery does after fork)."""
    app._pool = None
    app.amqp._producer_pool = None


def wait_until_overdue(job, settings):
    """Until SUGGESTIONS_ROUTING_STUCK_AFTER has passed since the job was sent (or made, if
    never sent): from then on the sweeper takes it for stuck."""
    job.refresh_from_db()
    since = job.sent_at or job.created_at
    grace = timedelta(seconds=settings.SUGGESTIONS_ROUTING_STUCK_AFTER)
    wait_for(lambda: timezone.now() - since > grace, interval=0.05)


@pytest.mark.redis
@pytest.mark.worker
def test_a_suggestion_sent_while_the_broker_is_down_is_routed_once_it_is_back(broker, settings):
    settings.SUGGESTIONS_ROUTING_STUCK_AFTER = 1
    pipe = Pipeline()
    broker.stop()

    started = time.monotonic()
    s = pipe.draft()
    services.suggestion_transition(suggestion=s, action="submit", user=pipe.child_user)
    assert time.monotonic() - started < 10, "the request does not hang on the broker"
    assert Suggestion.objects.get(pk=s.pk).state == "submitted"
    job = RoutingJob.objects.get()
    assert job.sent_at is None, "nothing was sent while the broker was down"

    broker.start()
    wait_until_overdue(job, settings)
    assert services.routing_jobs_sweep() == 1, "the sweeper routes it"

    assert Suggestion.objects.get(pk=s.pk).state == "at_school"
    assert StageChange.objects.filter(suggestion=s, action="route_to_school").count() == 1


@pytest.mark.redis
@pytest.mark.worker
def test_a_worker_killed_in_the_middle_of_routing_leaves_it_to_be_routed_once(broker, settings):
    """The worker is killed (SIGKILL, its whole process group) inside the routing transaction,
    while it waits for the job's row lock; the sweeper then routes the job itself."""
    from django.db import transaction

    settings.SUGGESTIONS_ROUTING_STUCK_AFTER = 1
    pipe = Pipeline()
    s, job = waiting_for_the_router(pipe)
    RoutingJob.objects.filter(pk=job.pk).update(sent_at=timezone.now(), sends=1)
    holding, release = threading.Event(), threading.Event()

    def hold_the_job_row():
        with transaction.atomic():
            RoutingJob.objects.select_for_update().get(pk=job.pk)
            holding.set()
            release.wait(60)
        connection.close()

    holder = threading.Thread(target=hold_the_job_row)
    holder.start()
    assert holding.wait(10)
    queue = f"doomed-{os.getpid()}"
    doomed = start_worker(broker.url, queue, own_session=True)
    # Publish only once the worker listens: a message to a queue nobody declared is dropped.
    wait_for(lambda: app.control.ping([f"{queue}@localhost"], timeout=1), timeout=60)
    route_suggestion.apply_async(args=[job.pk], queue=queue)

    def a_worker_waits_for_the_lock():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            return cursor.fetchone()[0] > 0

    wait_for(a_worker_waits_for_the_lock, timeout=60)
    os.killpg(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=20)
    release.set()
    holder.join()

    job.refresh_from_db()
    assert job.done_at is None, "the killed worker's transaction left nothing behind"
    assert Suggestion.objects.get(pk=s.pk).state == "submitted"
    wait_until_overdue(job, settings)
    assert services.routing_jobs_sweep() == 1, "nothing waits in the queue: it is stuck"

    assert Suggestion.objects.get(pk=s.pk).state == "at_school"
    assert StageChange.objects.filter(suggestion=s, action="route_to_school").count() == 1
    assert services.routing_jobs_sweep() == 0, "nothing left to route"
