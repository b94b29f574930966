from celery import shared_task

from . import services


@shared_task(bind=True)
def worker_heartbeat(self):
    services.worker_heartbeat_record(hostname=self.request.hostname or "eager")


@shared_task(acks_late=True)
def report_export_generate(export_id: int) -> None:
    # A failure is recorded on the export (the admin sees why and asks again), not retried.
    services.report_export_generate(export_id=export_id)
