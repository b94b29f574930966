"""Every view of a child's personal record is logged with its purpose, refused attempts too;
the log is append-only (in the model, and on PostgreSQL in the database)."""

from unittest.mock import patch

import pytest
from django.contrib.auth.models import Permission
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import translation

from groups.models import ChildPersonalData
from privacy import services
from privacy.models import AccessAction, AccessPurpose, PersonalDataAccess
from tests.groups.factories import (
    AdminFactory,
    ChildFactory,
    GuardianshipFactory,
    MentorFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NAME = "欧阳雨桐"


def url(name, language="en", **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


def authorised_admin():
    user = AdminFactory(is_superuser=False, username="office-admin")
    user.user_permissions.add(Permission.objects.get(codename="view_childpersonaldata"))
    return user


@pytest.fixture
def record():
    return ChildPersonalData.objects.create(
        child=ChildFactory(), real_name=NAME, contact_phone="13800001234"
    )


def test_the_record_shows_only_after_a_purpose_and_each_look_is_logged(client, record):
    client.force_login(authorised_admin())
    address = url("personal_record", pk=record.child_id)

    asked = client.get(address)
    assert asked.status_code == 200
    assert NAME not in asked.text
    assert not PersonalDataAccess.objects.exists()

    shown = client.post(address, {"purpose": AccessPurpose.CONTACT, "detail": "春游通知"})

    assert NAME in shown.text and "13800001234" in shown.text
    assert shown["Cache-Control"] == "no-store"
    row = PersonalDataAccess.objects.get()
    assert (row.username, row.role, row.child_id) == ("office-admin", "admin", record.child_id)
    assert (row.action, row.purpose, row.detail, row.granted) == (
        AccessAction.VIEW,
        AccessPurpose.CONTACT,
        "春游通知",
        True,
    )


def test_a_safety_purpose_needs_details_and_shows_nothing_without_them(client, record):
    client.force_login(authorised_admin())

    response = client.post(
        url("personal_record", pk=record.child_id), {"purpose": AccessPurpose.SAFETY}
    )

    assert response.status_code == 400
    assert NAME not in response.text
    assert "Say which concern" in response.text
    assert not PersonalDataAccess.objects.exists()


def test_a_correction_is_logged_as_one_and_saved(client, record):
    client.force_login(authorised_admin())

    client.post(
        url("personal_record", pk=record.child_id),
        {
            "purpose": AccessPurpose.CORRECTION,
            "detail": "家长来电",
            "correct": "1",
            "real_name": "欧阳雨彤",
            "contact_phone": "13900000000",
            "address": "",
        },
    )

    record.refresh_from_db()
    assert record.real_name == "欧阳雨彤"
    assert PersonalDataAccess.objects.get().action == AccessAction.CORRECT


def test_the_correction_service_writes_the_change_and_its_log_row_together(rf, record):
    admin = authorised_admin()
    request = rf.post("/privacy/children/1/record/")
    request.user = admin

    services.personal_data_correct(
        request=request,
        record=record,
        real_name="欧阳雨彤",
        contact_phone="13900000000",
        address="",
        purpose=AccessPurpose.CORRECTION,
        detail="家长来电",
    )

    record.refresh_from_db()
    assert (record.real_name, record.contact_phone) == ("欧阳雨彤", "13900000000")
    row = PersonalDataAccess.objects.get()
    assert (row.username, row.child_id, row.action, row.purpose, row.detail, row.granted) == (
        "office-admin",
        record.child_id,
        AccessAction.CORRECT,
        AccessPurpose.CORRECTION,
        "家长来电",
        True,
    )


def test_no_correction_is_saved_when_its_log_row_cannot_be_written(rf, record):
    request = rf.post("/privacy/children/1/record/")
    request.user = authorised_admin()

    with (
        patch.object(services, "access_record", side_effect=DatabaseError),
        pytest.raises(DatabaseError),
    ):
        services.personal_data_correct(
            request=request,
            record=record,
            real_name="欧阳雨彤",
            contact_phone="",
            address="",
            purpose=AccessPurpose.CORRECTION,
        )

    assert ChildPersonalData.objects.get(pk=record.pk).real_name == NAME


@pytest.mark.parametrize(
    "make_user",
    [
        lambda: AdminFactory(is_superuser=False),  # an admin without the permission
        lambda: MentorFactory().user,
        lambda: StaffFactory().user,
        lambda: GuardianshipFactory().guardian.user,
    ],
    ids=["admin-without-permission", "mentor", "school", "another-guardian"],
)
def test_anyone_else_is_refused_and_the_attempt_is_logged(client, record, make_user):
    user = make_user()
    client.force_login(user)

    response = client.post(
        url("personal_record", pk=record.child_id), {"purpose": AccessPurpose.CONTACT}
    )

    assert response.status_code == 403
    assert NAME not in response.text
    row = PersonalDataAccess.objects.get()
    assert (row.user_id, row.child_id, row.granted) == (user.pk, record.child_id, False)


def test_the_log_refuses_changes_and_deletion_in_the_model(record):
    row = PersonalDataAccess.objects.create(
        username="x", role="admin", child_id=record.child_id, action="view", granted=True
    )

    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        PersonalDataAccess.objects.update(granted=False)
    with pytest.raises(PermissionError):
        PersonalDataAccess.objects.all().delete()


@pytest.mark.postgres
def test_on_postgresql_a_trigger_refuses_update_and_delete(record):
    PersonalDataAccess.objects.create(
        username="x", role="admin", child_id=record.child_id, action="view", granted=True
    )

    for sql in (
        "UPDATE privacy_personaldataaccess SET granted = false",
        "DELETE FROM privacy_personaldataaccess",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            connection.cursor().execute(sql)
    assert PersonalDataAccess.objects.get().granted is True


def test_deleting_a_user_or_anonymising_a_child_leaves_the_log_alone(client, record):
    from privacy.services import child_anonymise

    admin = authorised_admin()
    client.force_login(admin)
    client.post(url("personal_record", pk=record.child_id), {"purpose": AccessPurpose.CONTACT})
    client.logout()

    child_anonymise(child_id=record.child_id)
    admin.delete()

    row = PersonalDataAccess.objects.get()
    assert (row.username, row.child_id) == ("office-admin", record.child_id)


def test_admins_review_the_log_with_filters(client, record):
    client.force_login(authorised_admin())
    client.post(url("personal_record", pk=record.child_id), {"purpose": AccessPurpose.CONTACT})
    client.force_login(MentorFactory().user)
    client.post(url("personal_record", pk=record.child_id), {"purpose": AccessPurpose.CONTACT})
    client.force_login(AdminFactory())

    everything = client.get(url("access_log"))
    refused = client.get(url("access_log"), {"granted": "false"})
    by_child = client.get(url("access_log"), {"child": record.child.pseudonym})
    nobody = client.get(url("access_log"), {"username": "nobody-like-this"})

    assert everything.text.count("<tr>") == 3  # header and two rows
    assert refused.text.count("<tr>") == 2 and "refused" in refused.text
    assert by_child.text.count("<tr>") == 3
    assert "No entries." in nobody.text
    assert NAME not in everything.text


def test_the_log_page_is_for_admins_only(client):
    client.force_login(UserFactory(role="mentor"))
    assert client.get(url("access_log")).status_code == 403


def test_bad_filter_input_gets_a_message_not_a_500(client):
    client.force_login(AdminFactory())

    response = client.get(url("access_log"), {"since": "yesterday", "child": "x" * 500})

    assert response.status_code == 200
    assert "Enter a valid date" in response.text
