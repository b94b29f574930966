"""/healthz says the process answers; /readyz says, part by part, whether the portal can work
(issue 16: health that tells the truth)."""

import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from hangzhou_cfc.celery import app
from reports.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_answers():
    from hangzhou_cfc import health

    health.forget()
    yield
    health.forget()


@pytest.fixture
def everything_runs():
    now = timezone.now()
    WorkerHeartbeat.objects.create(hostname="celery@web-1", last_seen=now, beats=1)
    every_minute, _created = IntervalSchedule.objects.get_or_create(
        every=60, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.update_or_create(
        name="worker-heartbeat",
        defaults={
            "task": "reports.tasks.worker_heartbeat",
            "interval": every_minute,
            "last_run_at": now,
        },
    )


def test_liveness_asks_nothing_of_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200


def test_ready_when_database_broker_worker_and_beat_are_ok(client, everything_runs):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "broker": "ok", "worker": "ok", "beat": "ok"},
    }


def test_not_ready_says_which_part_is_wrong(client, everything_runs):
    WorkerHeartbeat.objects.update(last_seen=timezone.now() - timedelta(minutes=10))
    PeriodicTask.objects.filter(name="worker-heartbeat").delete()

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["checks"] == {
        "database": "ok",
        "broker": "ok",
        "worker": "stale",
        "beat": "never",
    }


def test_a_broker_that_cannot_be_reached_is_down(client, everything_runs, monkeypatch):
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "down"


def test_the_command_checks_one_part_for_compose(everything_runs, capsys):
    call_command("health", "--only", "worker")
    assert capsys.readouterr().out == "worker: ok\n"

    WorkerHeartbeat.objects.all().delete()
    with pytest.raises(CommandError):
        call_command("health", "--only", "worker")
    assert capsys.readouterr().out == "worker: never\n"


def test_production_answers_health_over_plain_http_from_inside_the_container(tmp_path):
    from tests.hangzhou_cfc.test_production_build import production_environment
    from tests.hangzhou_cfc.test_settings import BASE_DIR

    asks = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "for path in ('/healthz', '/readyz'):\n"
        "    print(Client().get(path, HTTP_HOST='portal.example.org').status_code)\n"
    )
    env = production_environment(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", asks], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )

    # Not redirected to https (301): the database here is not reachable, so readyz says 503.
    assert result.stdout.split() == ["200", "503"], result.stderr[-2000:]


def test_a_storm_of_probes_asks_once_in_a_few_seconds(client, everything_runs, monkeypatch):
    from hangzhou_cfc import health

    asked = []
    monkeypatch.setitem(health.RUN, "broker", lambda: asked.append(1) or "ok")

    for _ in range(20):
        assert client.get("/readyz").status_code == 200

    assert len(asked) == 1
