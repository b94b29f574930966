"""Staff logins from a spreadsheet, matched by e-mail: no password in the file, a set-password
link by e-mail once the import is written; an e-mail is never moved between organisations or
taken from a login that is not staff."""

import re
from datetime import timedelta
from functools import partial
from smtplib import SMTPServerDisconnected
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.urls import resolve
from django.utils import timezone, translation
from django.utils.http import urlsafe_base64_decode

from groups.models import Role, StaffMember, User
from imports import staff, tasks
from imports.base import ImportRefused
from messaging import services as outbox
from messaging.models import Message, MessageState
from tests.groups.factories import (
    DepartmentFactory,
    GuardianFactory,
    ProgrammeOfficeFactory,
    SchoolFactory,
    StaffFactory,
    UserFactory,
)
from tests.imports import helpers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


@pytest.fixture
def organisations():
    return {
        "school": SchoolFactory(code="wensan-school", name="文三街小学"),
        "department": DepartmentFactory(code="transport", name="市交通局"),
        "office": ProgrammeOfficeFactory(),
    }


HEADER = "电子邮箱 / e-mail,姓名 / name,所属单位 / organisation,角色 / role,职务 / title\n"
GOOD = (
    HEADER
    + "teacher@example.org,李老师,wensan-school,school,德育主任\n"
    + "Clerk@Example.org,王科员,transport,部门工作人员,\n"
    + "office@example.org,周主任,programme-office,Programme office,项目主任\n"
)


table = partial(helpers.table, staff.COLUMNS)
as_csv = partial(helpers.as_csv, staff.COLUMNS)


def snapshot():
    return sorted(
        StaffMember.objects.values_list(
            "user__email", "user__display_name", "user__role", "organisation__code", "title"
        )
    )


def test_the_preview_lists_the_logins_to_create_and_writes_nothing(organisations):
    users = User.objects.count()

    plan = staff.IMPORTER.plan(table(GOOD))

    assert plan.ok
    assert [(row.number, row.action, row.key) for row in plan.rows] == [
        (2, "create", "teacher@example.org"),
        (3, "create", "clerk@example.org"),
        (4, "create", "office@example.org"),
    ]
    assert User.objects.count() == users
    assert not StaffMember.objects.exists()


def test_applying_opens_logins_without_a_password_with_role_and_name(organisations):
    staff.IMPORTER.apply(table(GOOD))

    assert snapshot() == [
        ("clerk@example.org", "王科员", Role.DEPARTMENT, "transport", ""),
        ("office@example.org", "周主任", Role.ADMIN, "programme-office", "项目主任"),
        ("teacher@example.org", "李老师", Role.SCHOOL, "wensan-school", "德育主任"),
    ]
    for login in User.objects.filter(staff__isnull=False):
        assert login.username == login.email
        assert not login.has_usable_password()
        assert login.is_active


def test_the_set_password_mail_waits_for_the_commit(
    organisations, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        staff.IMPORTER.apply(table(GOOD))

    assert len(callbacks) == 1
    assert mail.outbox == []


def test_each_new_login_gets_one_mail_with_a_set_password_link(
    organisations, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        staff.IMPORTER.apply(table(GOOD))

    assert sorted(message.to[0] for message in mail.outbox) == [
        "clerk@example.org",
        "office@example.org",
        "teacher@example.org",
    ]
    login = User.objects.get(email="teacher@example.org")
    (message,) = [m for m in mail.outbox if m.to == ["teacher@example.org"]]
    assert "teacher@example.org" in message.body  # the login name
    (link,) = set(re.findall(r"https?://\S+", message.body))
    with translation.override("zh-hans"):  # the link opens in the default language
        match = resolve(urlsplit(link).path)
    assert match.url_name == "password_reset_confirm"
    uid, token = match.kwargs["uidb64"], match.kwargs["token"]
    assert urlsafe_base64_decode(uid).decode() == str(login.pk)
    assert default_token_generator.check_token(login, token)


def link_in(message):
    (link,) = set(re.findall(r"https?://\S+", message.body))
    with translation.override("zh-hans"):
        match = resolve(urlsplit(link).path)
    return match.kwargs["uidb64"], match.kwargs["token"]


def test_the_set_password_mail_is_written_to_the_outbox_with_the_logins_and_no_link(
    organisations, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        staff.IMPORTER.apply(table(GOOD))

    messages = Message.objects.filter(template="imports.set_password")
    assert sorted(m.recipient.email for m in messages) == [
        "clerk@example.org",
        "office@example.org",
        "teacher@example.org",
    ]
    for message in messages:
        assert (message.state, message.context, message.sealed_secret) == ("queued", {}, "")


def test_a_mail_server_that_is_away_delays_the_set_password_mail_and_the_link_still_works(
    organisations, monkeypatch, django_capture_on_commit_callbacks
):
    """Before the outbox, such a mail was logged as not sent and lost."""

    def down(self, *args, **kwargs):
        raise SMTPServerDisconnected("the mail server closed the connection")

    with monkeypatch.context() as away:
        away.setattr("django.core.mail.EmailMessage.send", down)
        with django_capture_on_commit_callbacks(execute=True):
            staff.IMPORTER.apply(table(GOOD))
    assert mail.outbox == []

    assert outbox.messages_resend(now=timezone.now() + timedelta(hours=1)) == 3
    login = User.objects.get(email="teacher@example.org")
    (message,) = [m for m in mail.outbox if m.to == ["teacher@example.org"]]
    assert default_token_generator.check_token(login, link_in(message)[1])


def test_a_login_that_set_its_password_meanwhile_is_not_asked_to(
    organisations, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        staff.IMPORTER.apply(table(GOOD))
    login = User.objects.get(email="teacher@example.org")
    login.set_password("a long and new passphrase")
    login.save()

    for callback in callbacks:
        callback()

    assert sorted(m.to[0] for m in mail.outbox) == ["clerk@example.org", "office@example.org"]
    assert Message.objects.get(recipient=login).state == MessageState.SKIPPED


def test_a_task_queued_before_the_outbox_puts_its_mails_there_once(organisations):
    staff.IMPORTER.apply(table(GOOD))
    Message.objects.all().delete()
    ids = list(User.objects.filter(staff__isnull=False).values_list("pk", flat=True))

    assert tasks.set_password_links_send(ids) == 3
    assert tasks.set_password_links_send(ids) == 0
    assert Message.objects.filter(template="imports.set_password").count() == 3


def test_the_same_file_again_changes_nothing(organisations):
    staff.IMPORTER.apply(table(GOOD))
    before = snapshot()
    users = User.objects.count()

    plan = staff.IMPORTER.plan(table(GOOD))

    assert plan.nothing_to_change
    assert plan.counts() == {"create": 0, "update": 0, "unchanged": 3, "refused": 0}
    staff.IMPORTER.apply(table(GOOD))
    assert snapshot() == before
    assert User.objects.count() == users


def test_a_later_file_updates_the_one_changed_value(organisations):
    staff.IMPORTER.apply(table(GOOD))
    later = GOOD.replace("王科员", "王科长")

    plan = staff.IMPORTER.plan(table(later))

    (row,) = [row for row in plan.rows if row.action != "unchanged"]
    assert (row.number, row.action, row.key) == (3, "update", "clerk@example.org")
    assert row.changes == [("name", "王科员", "王科长")]
    staff.IMPORTER.apply(table(later))
    assert User.objects.get(email="clerk@example.org").display_name == "王科长"
    assert User.objects.filter(email__iexact="clerk@example.org").count() == 1
    assert StaffMember.objects.count() == 3


def test_the_export_imported_again_changes_nothing(organisations):
    staff.IMPORTER.apply(table(GOOD))

    exported = staff.IMPORTER.export()

    assert [row["email"] for row in exported] == [
        "clerk@example.org",
        "office@example.org",
        "teacher@example.org",
    ]
    assert exported[2] == {
        "email": "teacher@example.org",
        "name": "李老师",
        "organisation": "wensan-school",
        "role": "school",
        "title": "德育主任",
    }
    plan = staff.IMPORTER.plan(table(as_csv(exported)))
    assert [row.action for row in plan.rows] == ["unchanged"] * 3
    assert plan.nothing_to_change


def test_bad_rows_are_refused_with_their_row_number_and_nothing_is_written(organisations):
    text = (
        HEADER
        + "teacher@example.org,李老师,wensan-school,school,\n"
        + "TEACHER@example.org,李老师,wensan-school,school,\n"
        + "clerk@example.org,王科员,transport,school,\n"
        + "nobody@example.org,无名,nowhere,school,\n"
        + "not-an-address,某人,wensan-school,school,\n"
        + "child@example.org,某人,wensan-school,child,\n"
    )
    users = User.objects.count()

    plan = staff.IMPORTER.plan(table(text))

    assert not plan.ok
    refused = {row.number: " ".join(row.problems) for row in plan.refused}
    assert set(refused) == {3, 4, 5, 6, 7}
    assert "teacher@example.org is also on row 2" in refused[3]
    assert "transport is a City department, where no one works as “School" in refused[4]
    assert "There is no organisation “nowhere”" in refused[5]
    assert "“not-an-address” is not an e-mail address" in refused[6]
    assert "Unknown role “child”" in refused[7]
    assert plan.rows[0].action == "create"
    with pytest.raises(ImportRefused) as refusal:
        staff.IMPORTER.apply(table(text))
    assert refusal.value.plan.count("refused") == 5
    assert User.objects.count() == users
    assert not StaffMember.objects.exists()


def test_an_e_mail_of_staff_of_another_organisation_is_refused(organisations):
    other = StaffFactory(
        user__email="teacher@example.org", user__username="teacher", user__display_name="李老师"
    )

    plan = staff.IMPORTER.plan(table(GOOD))

    (row,) = plan.refused
    assert row.number == 2
    assert (
        f"teacher@example.org is already used by staff of {other.organisation.code}"
        in row.problems[0]
    )
    with pytest.raises(ImportRefused):
        staff.IMPORTER.apply(table(GOOD))
    assert StaffMember.objects.get().organisation == other.organisation
    assert not User.objects.filter(email__in=["clerk@example.org", "office@example.org"])


def test_an_e_mail_of_a_guardian_login_is_refused(organisations):
    guardian = GuardianFactory(user__email="Teacher@Example.org")

    plan = staff.IMPORTER.plan(table(GOOD))

    (row,) = plan.refused
    assert row.number == 2
    problem = row.problems[0]
    assert "teacher@example.org is already used by a login that is not staff (Guardian)" in problem
    with pytest.raises(ImportRefused):
        staff.IMPORTER.apply(table(GOOD))
    guardian.user.refresh_from_db()
    assert guardian.user.role == Role.GUARDIAN
    assert not StaffMember.objects.exists()


def test_an_e_mail_taken_as_a_login_name_is_refused(organisations):
    UserFactory(username="office@example.org", role=Role.MENTOR)

    plan = staff.IMPORTER.plan(table(GOOD))

    (row,) = plan.refused
    assert row.number == 4
    assert "office@example.org is already taken as a login name" in row.problems[0]


def test_e_mails_are_compared_ignoring_case_and_full_width_characters(organisations):
    existing = StaffFactory(
        user__email="Teacher@Example.org",
        user__username="teacher",
        user__display_name="李老师",
        organisation=organisations["school"],
        title="德育主任",
    )
    text = HEADER + "ＴＥＡＣＨＥＲ＠ｅｘａｍｐｌｅ．ｏｒｇ,李老师,wensan-school,school,德育主任\n"

    plan = staff.IMPORTER.plan(table(text))

    (row,) = plan.rows
    assert (row.key, row.action) == ("teacher@example.org", "unchanged")
    assert row.record == existing
    staff.IMPORTER.apply(table(text))
    assert StaffMember.objects.count() == 1


def test_duplicates_in_one_file_are_found_whatever_their_case_or_width(organisations):
    text = (
        HEADER
        + "teacher@example.org,李老师,wensan-school,school,\n"
        + "ｔｅａｃｈｅｒ＠ＥＸＡＭＰＬＥ．ｏｒｇ,李老师,wensan-school,school,\n"
    )

    plan = staff.IMPORTER.plan(table(text))

    (row,) = plan.refused
    assert row.number == 3
    assert "also on row 2" in row.problems[0]
