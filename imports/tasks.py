"""Work that follows an import, done by the worker once the import is written: each task calls
one service (imports/services.py). The arguments are ids only: nothing about a person travels
through the broker."""

from celery import shared_task

from . import services


@shared_task
def set_password_links_send(user_ids):
    """Only for tasks an import queued before these e-mails went through the outbox: put them
    there (each login once). Imports now write them with the logins (imports/staff.py)."""
    return len(services.set_password_links_queue(user_ids=user_ids))


@shared_task
def consent_requests_send(guardianship_ids, sent_by_id):
    return services.consent_requests_send(guardianship_ids=guardianship_ids, sent_by_id=sent_by_id)


# Acknowledged when received, unlike the project's other tasks: a file that made its worker die
# (out of memory) is not given back to run again and again. Its batch then shows as stalled
# after an hour, and the admin may confirm it again.
@shared_task(acks_late=False, reject_on_worker_lost=False)
def batch_apply(batch_id):
    """Write a confirmed import. The argument is the batch's id: the file waits, encrypted, in
    the database."""
    batch = services.batch_apply(batch_id)
    return batch.state if batch else None


@shared_task
def discard_stale_uploads():
    """Hourly: forget the files of previews not confirmed within a day."""
    return services.batch_discard_stale()
