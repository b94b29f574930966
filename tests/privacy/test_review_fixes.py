"""Holes a review found: each is closed, and stays closed."""

from datetime import date, timedelta
from unittest import mock

import pytest
from auditlog.models import LogEntry
from axes.models import AccessFailureLog
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from groups.models import Guardianship, Membership
from messaging import services as outbox
from privacy import services
from privacy.models import (
    AccessPurpose,
    ConsentRequest,
    PersonalDataAccess,
    PrivacyNotice,
)
from tests.groups.factories import PASSWORD, AdminFactory, SubTeamFactory
from tests.privacy.factories import child_with_guardian, guardians_notice

pytestmark = pytest.mark.django_db


def url(name, language="en", **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


def test_anonymising_rewrites_the_audit_trail_and_forgets_the_logins_failures(client):
    child, _guardianship = child_with_guardian(consent=True)
    child.pseudonym = child.user.display_name = "小白鹭"
    child.save(update_fields=["pseudonym"])
    child.user.save(update_fields=["display_name"])
    Membership.objects.create(child=child, sub_team=SubTeamFactory(), starts_on=date(2026, 3, 1))
    pseudonym, username = child.pseudonym, child.user.username
    Client().post(reverse("login"), {"username": username, "password": "wrong-" + PASSWORD})
    assert AccessFailureLog.objects.filter(username=username).exists()
    assert LogEntry.objects.filter(object_repr__contains=pseudonym).exists()

    services.child_anonymise(child_id=child.pk)

    everything = " ".join(
        f"{entry.object_repr} {entry.changes} {entry.changes_text}"
        for entry in LogEntry.objects.all()
    )
    assert pseudonym not in everything and username not in everything
    assert "former observer" in everything
    assert not AccessFailureLog.objects.filter(username=username).exists()
    assert not Guardianship.objects.filter(child=child).exists()


def test_a_log_row_built_with_an_existing_id_cannot_overwrite_it():
    row = PersonalDataAccess.objects.create(
        username="real", role="admin", child_id=1, action="view", granted=False
    )

    forged = PersonalDataAccess(
        pk=row.pk, username="forged", role="admin", child_id=1, action="view", granted=True
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        forged.save()

    assert PersonalDataAccess.objects.get().username == "real"


def test_a_consent_link_the_mail_server_cannot_take_yet_is_sent_later(
    client, django_capture_on_commit_callbacks
):
    """Before the outbox, the office was told to try again and nothing was recorded."""
    child, guardianship = child_with_guardian()
    client.force_login(AdminFactory())

    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("no route")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            url("privacy_child", pk=child.pk), {"send-guardian": guardianship.guardian.pk}
        )

    assert response.status_code == 302
    assert ConsentRequest.objects.get().sent_to == "mother@example.org"
    assert "e-mail: waiting to be sent" in client.get(url("privacy_child", pk=child.pk)).text
    assert mail.outbox == []

    assert outbox.messages_resend(now=timezone.now() + timedelta(hours=1)) == 1
    (message,) = mail.outbox
    assert message.to == ["mother@example.org"]
    assert "/privacy/consent/" in message.body
    assert "e-mail: sent" in client.get(url("privacy_child", pk=child.pk)).text


def test_a_consent_link_with_strange_characters_is_not_found(client):
    assert client.get("/en/privacy/consent/%C3%A9t%C3%A9/").status_code == 404


@pytest.mark.usefixtures("in_english")  # its message is asserted in English
def test_a_paper_consent_must_name_the_version_in_force_that_day():
    child, guardianship = child_with_guardian()
    first = guardians_notice()
    second = PrivacyNotice.objects.create(
        audience="guardians",
        version="2026-2",
        published_on=date(2026, 6, 1),
        title="二",
        title_en="Two",
        body="二",
        body_en="Two",
        responsible="负责人",
        responsible_en="Officer",
        contact="x",
    )
    july = timezone.make_aware(timezone.datetime(2026, 7, 1, 12))

    with pytest.raises(ValidationError, match="not the one in force on that day"):
        services.consent_give(
            child=child, guardian=guardianship.guardian, notice=first, method="paper", given_at=july
        )
    services.consent_give(
        child=child, guardian=guardianship.guardian, notice=second, method="paper", given_at=july
    )


@pytest.mark.usefixtures("in_english")  # its message is asserted in English
def test_a_new_notice_version_cannot_be_backdated():
    notice = PrivacyNotice(
        audience="guardians",
        version="2026-9",
        published_on=timezone.localdate() - timedelta(days=1),
        title="x",
        title_en="x",
        body="x",
        body_en="x",
        responsible="x",
        responsible_en="x",
        contact="x",
    )

    with pytest.raises(ValidationError, match="today or later"):
        notice.full_clean()


def test_the_nightly_sweep_goes_on_past_a_child_that_fails(settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 30
    first, _one = child_with_guardian(consent=True)
    second, _two = child_with_guardian(consent=True, email="dad@example.org")
    for child in (first, second):
        child.left_on = child.joined_on
        child.save(update_fields=["left_on"])
    real = services.child_anonymise

    def fails_for_the_first(*, child_id):
        if child_id == first.pk:
            raise RuntimeError("broken")
        return real(child_id=child_id)

    with mock.patch("privacy.services.child_anonymise", side_effect=fails_for_the_first):
        assert services.anonymise_due() == 1

    second.refresh_from_db()
    assert second.anonymised_at is not None


def test_only_admins_who_may_see_records_read_the_details_typed_with_a_purpose(client):
    child, _guardianship = child_with_guardian()
    PersonalDataAccess.objects.create(
        username="x",
        role="admin",
        child_id=child.pk,
        action="view",
        purpose=AccessPurpose.SAFETY,
        detail="DETAIL-TEXT",
        granted=True,
    )
    entitled = AdminFactory(is_superuser=False)
    entitled.user_permissions.add(Permission.objects.get(codename="view_childpersonaldata"))

    client.force_login(AdminFactory(is_superuser=False))
    plain = client.get(url("access_log"))
    client.force_login(entitled)
    full = client.get(url("access_log"))

    assert "DETAIL-TEXT" not in plain.text
    assert "DETAIL-TEXT" in full.text


def test_logins_name_themselves_by_display_name():
    child, _guardianship = child_with_guardian()

    assert child.user.get_full_name() == child.user.get_short_name() == child.pseudonym
