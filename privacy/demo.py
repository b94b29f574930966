"""Demo data: the notices, and the paper consents the programme office recorded when the
children joined. The last two children are still waiting for their guardian's consent, so that
the office's list of children waiting has something to show."""

from datetime import datetime, time

from django.db import transaction
from django.utils import timezone

from groups.demo import PROGRAMME_START
from groups.models import Guardianship

from . import services
from .first_notices import publish
from .models import Audience, Consent, ConsentMethod, PrivacyNotice

WAITING = 2


@transaction.atomic
def seed():
    publish(PrivacyNotice)
    notice = PrivacyNotice.objects.get(audience=Audience.GUARDIANS, version="2026-1")
    given_at = timezone.make_aware(datetime.combine(PROGRAMME_START, time(10)))
    rows = list(
        Guardianship.objects.filter(child__anonymised_at=None)
        .select_related("child", "guardian")
        .order_by("child__pk", "pk")
    )
    for row in rows[: max(len(rows) - WAITING, 0)]:
        if Consent.objects.filter(child=row.child, guardian=row.guardian).exists():
            continue
        services.consent_give(
            child=row.child,
            guardian=row.guardian,
            notice=notice,
            method=ConsentMethod.PAPER,
            given_at=given_at,
        )
