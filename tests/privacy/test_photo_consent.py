"""A guardian says yes or no to photos of their child in activities' reports, from their page
for the child; the audit trail keeps each change."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone, translation

from groups.models import Guardianship
from tests.groups.factories import GuardianshipFactory
from tests.privacy.factories import child_with_guardian

pytestmark = pytest.mark.django_db


def url(name, language="en", **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


def test_the_guardian_allows_photos_then_takes_it_back(client):
    child, guardianship = child_with_guardian()
    client.force_login(guardianship.guardian.user)
    address = url("guardian_photo_consent", pk=child.pk)

    before = client.get(url("guardian_child_privacy", pk=child.pk))
    allowed = client.post(address, {"photos": "yes"}, follow=True)
    guardianship.refresh_from_db()
    given_on = guardianship.photo_consent_on
    taken_back = client.post(address, {"photos": "no"}, follow=True)
    guardianship.refresh_from_db()

    assert "you have not allowed it" in before.text
    assert given_on == timezone.localdate()
    assert f"Since {given_on:%Y-%m-%d} you allow your child" in allowed.text
    assert "Recorded: your child may appear in photos" in allowed.text
    assert guardianship.photo_consent_on is None
    assert "will not appear in photos" in taken_back.text
    changes = LogEntry.objects.get_for_object(guardianship)
    assert changes.count() >= 2  # the audit trail keeps both changes


def test_allowing_again_keeps_the_date_since_when(client):
    child, guardianship = child_with_guardian()
    earlier = timezone.localdate().replace(year=2025)
    Guardianship.objects.filter(pk=guardianship.pk).update(photo_consent_on=earlier)
    client.force_login(guardianship.guardian.user)

    client.post(url("guardian_photo_consent", pk=child.pk), {"photos": "yes"})

    guardianship.refresh_from_db()
    assert guardianship.photo_consent_on == earlier


def test_a_damaged_answer_changes_nothing_and_says_what_to_do(client):
    child, guardianship = child_with_guardian()
    client.force_login(guardianship.guardian.user)

    response = client.post(
        url("guardian_photo_consent", pk=child.pk, language="zh-hans"),
        {"photos": "maybe"},
        follow=True,
    )

    guardianship.refresh_from_db()
    assert guardianship.photo_consent_on is None
    assert response.status_code == 200
    assert "请选择" in response.text


def test_another_guardian_cannot_change_it(client):
    child, guardianship = child_with_guardian()
    stranger = GuardianshipFactory().guardian
    client.force_login(stranger.user)

    response = client.post(url("guardian_photo_consent", pk=child.pk), {"photos": "yes"})

    guardianship.refresh_from_db()
    assert response.status_code == 403
    assert guardianship.photo_consent_on is None
