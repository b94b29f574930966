"""The activities' messages (messaging/): the warning to the programme office about practice
bases whose certification needs renewing."""

from django.utils import timezone

from messaging.services import template

from .directory import EXPIRY_WARNING, _expiry_message, _needs_renewal
from .models import PracticeBase


@template(EXPIRY_WARNING)
def practice_bases_expiring(message):
    """The warning's bases that still need renewing on the day it is sent, with their expiry
    date as it is then: a base renewed meanwhile is left out; with none left, nothing is
    sent."""
    today = timezone.localdate()
    bases = list(
        PracticeBase.objects.select_related("district")
        .filter(pk__in=message.context.get("practice_bases", []))
        .filter(_needs_renewal(today))
        .order_by("expires_on", "pk")
    )
    if not bases:
        return None
    return _expiry_message(bases, today)
