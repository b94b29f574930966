from celery import shared_task

from . import services
from .models import DeletionRequest


@shared_task
def anonymise_due():
    """Nightly: anonymise children past the retention period or whose guardian asked.
    Safe to run twice (an anonymised child is left alone)."""
    return services.anonymise_due()


@shared_task
def deletion_request_carry_out(request_id):
    """A guardian's deletion request, carried out at once. The argument is the request's id:
    nothing about the child travels through the broker."""
    request = DeletionRequest.objects.filter(pk=request_id, done_at=None).first()
    if request is None:
        return False
    return services.child_anonymise(child_id=request.child_id)
