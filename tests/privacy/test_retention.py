"""Withdrawal, deletion on request and the retention period: the child's personal data goes,
their suggestions stay under "former observer". The guardian downloads the data first."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from groups.models import Child, ChildPersonalData, Guardianship
from privacy import services
from privacy.models import (
    AccessAction,
    Consent,
    DeletionReason,
    DeletionRequest,
    PersonalDataAccess,
)
from suggestions.models import Suggestion
from tests.groups.factories import GuardianshipFactory
from tests.privacy.factories import child_with_guardian
from tests.suggestions.factories import SuggestionFactory

pytestmark = pytest.mark.django_db

NAME = "欧阳雨桐"


def url(name, language="en", **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


@pytest.fixture
def family():
    child, guardianship = child_with_guardian(consent=True)
    ChildPersonalData.objects.create(child=child, real_name=NAME, contact_phone="13800001234")
    suggestion = SuggestionFactory(child=child, title="校门口的斑马线")
    return child, guardianship, suggestion


def assert_anonymised(child, suggestion):
    child.refresh_from_db()
    child.user.refresh_from_db()
    assert child.anonymised_at is not None
    assert child.pseudonym == f"前观察员 former observer #{child.pk}"
    assert not ChildPersonalData.objects.filter(child=child).exists()
    assert not Guardianship.objects.filter(child=child).exists()
    assert not child.user.is_active and not child.user.has_usable_password()
    assert child.user.username == f"former-observer-{child.pk}"
    kept = Suggestion.objects.get(pk=suggestion.pk)
    assert kept.child == child and kept.title == "校门口的斑马线"


def test_withdrawing_consent_closes_the_login_and_deletes_the_data(
    client, family, django_capture_on_commit_callbacks
):
    child, guardianship, suggestion = family
    assert child.user.is_active
    client.force_login(guardianship.guardian.user)

    unconfirmed = client.post(url("guardian_withdraw", pk=child.pk), {})
    assert unconfirmed.status_code == 400 and "Tick this box to confirm." in unconfirmed.text
    assert Consent.objects.get().withdrawn_at is None

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("guardian_withdraw", pk=child.pk), {"confirm": "on"})

    assert response.status_code == 302
    assert Consent.objects.get().withdrawn_at is not None
    assert DeletionRequest.objects.get().reason == DeletionReason.WITHDRAWAL
    assert DeletionRequest.objects.get().done_at is not None  # the task ran (eagerly)
    assert_anonymised(child, suggestion)


def test_a_deletion_request_is_carried_out_and_the_public_sees_a_former_observer(
    client, family, django_capture_on_commit_callbacks
):
    child, guardianship, suggestion = family
    client.force_login(guardianship.guardian.user)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("guardian_delete", pk=child.pk), {"confirm": "on"})

    assert_anonymised(child, suggestion)
    assert DeletionRequest.objects.get().reason == DeletionReason.REQUEST


def test_a_deletion_request_for_someone_elses_child_is_refused_logged_and_changes_nothing(
    client, family
):
    child, _guardianship, _suggestion = family
    stranger = GuardianshipFactory().guardian.user
    client.force_login(stranger)

    response = client.post(url("guardian_delete", pk=child.pk), {"confirm": "on"})
    download = client.get(url("guardian_download", pk=child.pk))

    assert response.status_code == 403 and download.status_code == 403
    assert NAME not in download.text
    assert not DeletionRequest.objects.exists()
    child.refresh_from_db()
    assert child.anonymised_at is None and child.user.is_active
    refused = PersonalDataAccess.objects.filter(user_id=stranger.pk, granted=False)
    assert set(refused.values_list("action", flat=True)) == {
        AccessAction.DELETION,
        AccessAction.DOWNLOAD,
    }


def test_the_guardian_downloads_everything_held_about_their_child(client, family):
    child, guardianship, _suggestion = family
    client.force_login(guardianship.guardian.user)

    response = client.get(url("guardian_download", pk=child.pk))

    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["child"]["pseudonym"] == child.pseudonym
    assert data["personal_data"]["real_name"] == NAME
    assert data["suggestions"][0]["title"] == "校门口的斑马线"
    assert data["consents"][0]["notice_version"] == "2026-1"
    row = PersonalDataAccess.objects.get()
    assert (row.action, row.granted, row.user_id) == (
        AccessAction.DOWNLOAD,
        True,
        guardianship.guardian.user_id,
    )


def test_the_download_holds_what_was_recorded_for_the_child_and_their_me_too(client, family):
    from suggestions.models import SuggestionAuthor, Voice

    child, guardianship, _suggestion = family
    recorded = SuggestionFactory(title="操场边的路灯")  # an adult recorded it for two children
    SuggestionAuthor.objects.create(suggestion=recorded, child=recorded.child)
    SuggestionAuthor.objects.create(suggestion=recorded, child=child)
    other = SuggestionFactory(title="图书馆的台阶")
    Voice.objects.create(suggestion=other, child=child, line="我们学校门口也是")
    client.force_login(guardianship.guardian.user)

    data = json.loads(client.get(url("guardian_download", pk=child.pk)).content)

    assert [row["title"] for row in data["suggestions"]] == ["校门口的斑马线", "操场边的路灯"]
    assert [(row["title"], row["line"]) for row in data["voices"]] == [
        ("图书馆的台阶", "我们学校门口也是")
    ]


def test_the_retention_period_runs_from_the_day_the_child_left(settings, family):
    child, _guardianship, suggestion = family
    other, _other_guardianship = child_with_guardian(consent=True, email="dad@example.org")
    settings.PERSONAL_DATA_RETENTION_DAYS = 30
    today = timezone.localdate()
    Child.objects.filter(pk=child.pk).update(left_on=today - timedelta(days=30))
    Child.objects.filter(pk=other.pk).update(left_on=today - timedelta(days=29))

    assert services.anonymise_due(today=today) == 1
    assert services.anonymise_due(today=today) == 0  # twice changes nothing more

    assert_anonymised(child, suggestion)
    other.refresh_from_db()
    assert other.anonymised_at is None


def test_the_nightly_sweep_carries_out_a_request_the_broker_never_delivered(family):
    child, guardianship, suggestion = family
    # No on_commit callbacks run here: the task was never sent.
    services.deletion_request(child=child, guardian_user=guardianship.guardian.user)
    child.user.refresh_from_db()
    assert not child.user.is_active

    assert services.anonymise_due() == 1
    assert_anonymised(child, suggestion)


@pytest.mark.usefixtures("in_english")  # its message is asserted in English
def test_after_deletion_nothing_more_can_be_asked(
    client, family, django_capture_on_commit_callbacks
):
    child, guardianship, _suggestion = family
    with django_capture_on_commit_callbacks(execute=True):
        services.deletion_request(child=child, guardian_user=guardianship.guardian.user)

    with pytest.raises(Exception, match="deleted"):
        services.deletion_request(child=child, guardian_user=guardianship.guardian.user)
