"""Celery tasks of the activities app: each calls one service and owns its retries."""

from celery import shared_task

from . import services


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def practice_bases_warn_expiring() -> int:
    # Safe to run twice: the service warns about each expiry date once.
    return services.practice_bases_warn_expiring()
