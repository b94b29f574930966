from datetime import timedelta

import pytest
from django.utils import timezone

from reports.models import WorkerHeartbeat
from reports.selectors import worker_status
from reports.services import worker_heartbeat_record
from reports.tasks import worker_heartbeat

pytestmark = pytest.mark.django_db


def test_heartbeat_counts_each_beat_of_the_same_worker_in_one_row():
    worker_heartbeat_record(hostname="celery@a")
    heartbeat = worker_heartbeat_record(hostname="celery@a")

    assert heartbeat.beats == 2
    assert WorkerHeartbeat.objects.count() == 1


def test_worker_status_is_alive_after_a_recent_heartbeat():
    worker_heartbeat.delay()

    status = worker_status()

    assert status["alive"] is True
    assert status["last_seen"] is not None


def test_worker_status_is_not_alive_when_the_last_heartbeat_is_old():
    WorkerHeartbeat.objects.create(
        hostname="celery@old", last_seen=timezone.now() - timedelta(minutes=10)
    )

    assert worker_status()["alive"] is False


def test_worker_status_without_any_worker():
    assert worker_status() == {"last_seen": None, "alive": False}
