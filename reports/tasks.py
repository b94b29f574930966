from celery import shared_task

from . import services


@shared_task(bind=True)
def worker_heartbeat(self):
    services.worker_heartbeat_record(hostname=self.request.hostname or "eager")
