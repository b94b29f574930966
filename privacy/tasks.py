from celery import shared_task

from . import services


@shared_task
def anonymise_due():
    """Nightly: anonymise children past the retention period or whose guardian asked.
    Safe to run twice (an anonymised child is left alone)."""
    return services.anonymise_due()


@shared_task
def deletion_request_carry_out(request_id):
    """A guardian's deletion request, carried out at once. The argument is the request's id:
    nothing about the child travels through the broker."""
    return services.deletion_request_carry_out(request_id=request_id)
