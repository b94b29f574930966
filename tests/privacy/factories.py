from datetime import datetime, time

from django.utils import timezone

from groups.models import Role
from privacy import services
from privacy.first_notices import publish
from privacy.models import Audience, ConsentMethod, PrivacyNotice
from tests.groups.factories import START, ChildUserFactory, GuardianshipFactory


def guardians_notice():
    """Version 2026-1 of the guardians' notice (a test database may have been emptied)."""
    publish(PrivacyNotice)
    return PrivacyNotice.objects.get(audience=Audience.GUARDIANS, version="2026-1")


def child_with_guardian(*, consent=False, email="mother@example.org"):
    """A child with a login (closed, as a new child's is) and one guardian with an e-mail."""
    child = ChildUserFactory(is_active=False).child
    guardianship = GuardianshipFactory(
        child=child, guardian__user__email=email, guardian__user__role=Role.GUARDIAN
    )
    if consent:
        services.consent_give(
            child=child,
            guardian=guardianship.guardian,
            notice=guardians_notice(),
            method=ConsentMethod.PAPER,
            given_at=timezone.make_aware(datetime.combine(START, time(12))),
        )
    child.refresh_from_db()
    child.user.refresh_from_db()
    return child, guardianship
