import pytest

from reports.models import WorkerHeartbeat
from reports.tasks import worker_heartbeat
from tests.helpers import wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker]


@pytest.mark.django_db(transaction=True)
def test_a_task_sent_through_redis_runs_in_a_worker_process_and_writes_to_postgres(
    celery_worker_process,
):
    assert not WorkerHeartbeat.objects.exists()

    worker_heartbeat.apply_async(queue=celery_worker_process.queue)

    heartbeat = wait_for(
        lambda: WorkerHeartbeat.objects.filter(hostname=celery_worker_process.hostname).first()
    )
    assert heartbeat.beats == 1
    assert celery_worker_process.process.poll() is None, "the worker should still be running"
