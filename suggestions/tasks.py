"""Celery tasks of the pipeline: each takes ids, calls one service, and owns its retries.

Tasks are acknowledged late and given back if their worker dies (settings), so each must be
safe to run twice: the services make sure of it.
"""

from celery import shared_task

from . import services


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def route_suggestion(job_id: int) -> str:
    return services.suggestion_route(job_id=job_id)


# Named for what it did first (send stuck jobs again); the beat's table knows it by this name.
@shared_task
def resend_stuck_routing_jobs() -> int:
    return services.routing_jobs_sweep()


@shared_task
def flag_overdue_suggestions() -> int:
    return services.suggestions_flag_overdue()


@shared_task
def send_staff_digests() -> int:
    return services.staff_digests_queue()


@shared_task
def send_family_digests() -> int:
    return services.family_digests_queue()
