"""The audit trail page: for the programme office only, filtered, paged, in a bounded number of
queries."""

from datetime import timedelta

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from axes.models import AccessFailureLog, AccessLog
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from audit.selectors import Kind
from groups.models import Role
from suggestions.services import suggestion_transition
from tests.groups.factories import (
    PASSWORD,
    AdminFactory,
    ChildUserFactory,
    DepartmentFactory,
    GuardianFactory,
    MembershipFactory,
    MentorFactory,
    StaffFactory,
    UserFactory,
)
from tests.suggestions.factories import route_pending

pytestmark = pytest.mark.django_db


def url(name="audit_trail", language="en", **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


@pytest.fixture
def admin(client):
    user = UserFactory(role=Role.ADMIN, username="office")
    client.force_login(user)
    return user


def start_with_an_empty_trail():
    LogEntry.objects.all().delete()
    AccessLog.objects.all().delete()
    AccessFailureLog.objects.all().delete()


def kinds_shown(response):
    return {str(row.kind) for row in response.context["rows"]}


# --- Who may open it ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make_user",
    [
        lambda: MentorFactory().user,
        lambda: ChildUserFactory(),
        lambda: GuardianFactory().user,
        lambda: StaffFactory().user,
        lambda: StaffFactory(organisation=DepartmentFactory(), user__role=Role.DEPARTMENT).user,
    ],
    ids=["mentor", "child", "guardian", "school", "department"],
)
def test_the_trail_is_forbidden_to_everyone_but_the_programme_office(client, make_user):
    client.force_login(make_user())

    assert client.get(url()).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(url(language="zh-hans"))

    assert response.status_code == 302
    assert response["Location"].startswith(url("login", language="zh-hans"))


@pytest.mark.parametrize("make_admin", [lambda: UserFactory(role=Role.ADMIN), AdminFactory])
@pytest.mark.parametrize(("language", "address"), [("zh-hans", "/audit/"), ("en", "/en/audit/")])
def test_the_programme_office_opens_it_in_both_languages(client, make_admin, language, address):
    client.force_login(make_admin())

    response = client.get(address)

    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.text


def test_the_admins_home_page_links_to_it(client, admin):
    assert url("audit_trail", language="zh-hans") in client.get("/").text


# --- What it shows --------------------------------------------------------------------------


def test_a_login_and_a_failed_login_appear_with_the_login_name_and_role(client, admin):
    UserFactory(username="egret", display_name="小白鹭", role=Role.CHILD)
    UserFactory(username="heron", role=Role.SCHOOL)
    login = url("login", language="zh-hans")
    Client().post(login, {"username": "egret", "password": PASSWORD})
    Client().post(login, {"username": "heron", "password": "not-the-password"})

    response = client.get(url())

    assert AccessLog.objects.filter(username="egret").exists()
    assert AccessFailureLog.objects.filter(username="heron").exists()
    rows = {row.username: row for row in response.context["rows"]}
    assert str(rows["egret"].action) == "logged in"
    assert str(rows["egret"].role) == "Child observer"
    assert str(rows["heron"].action) == "failed to log in"
    assert str(rows["heron"].role) == "School coordinator"
    assert "egret" in response.text


def test_no_password_is_kept_of_a_failed_login(client):
    UserFactory(username="heron")

    client.post(url("login"), {"username": "heron", "password": "my-secret-guess-123"})

    from axes.models import AccessAttempt

    kept = [
        *AccessFailureLog.objects.values_list(),
        *AccessAttempt.objects.values_list(),
        *AccessLog.objects.values_list(),
    ]
    assert kept, "the failure was recorded"
    assert "my-secret-guess-123" not in repr(kept)


def test_what_people_typed_as_a_login_name_is_shown_escaped(client, admin):
    Client().post(url("login"), {"username": "<b>x</b>", "password": "wrong"})

    response = client.get(url())

    assert "&lt;b&gt;x&lt;/b&gt;" in response.text
    assert "<b>x</b>" not in response.text


def test_a_stage_change_shows_who_moved_what_from_which_state_to_which(client, admin, pipe):
    suggestion = pipe.draft()
    suggestion_transition(suggestion=suggestion, action="submit", user=pipe.child_user)
    route_pending()
    with set_actor(pipe.school_staff):
        suggestion_transition(suggestion=suggestion, action="collect", user=pipe.school_staff)

    response = client.get(url(), {"kind": Kind.STAGES, "actor": pipe.school_staff.username})

    [row] = response.context["rows"]
    assert row.username == pipe.school_staff.username
    assert str(row.role) == "School coordinator"
    assert row.object_url == url("suggestion_detail", pk=suggestion.pk)
    changes = {change.field: (change.old, change.new) for change in row.changes}
    assert changes["state"] == ("At the school", "Collected, on its way to the community")
    assert changes["owner"] == (pipe.school.name, None)
    assert suggestion.title not in response.text
    assert "At the school → Collected, on its way to the community" in response.text


def test_the_routers_moves_are_shown_as_the_systems(client, admin, pipe):
    suggestion = pipe.draft()
    suggestion_transition(suggestion=suggestion, action="submit", user=pipe.child_user)
    route_pending()

    response = client.get(url(), {"kind": Kind.STAGES})

    assert any(row.by_system for row in response.context["rows"])
    assert "The system" in response.text


# --- Filters --------------------------------------------------------------------------------


@pytest.fixture
def one_of_each(admin, pipe):
    """A stage change by a school, a membership, a paper consent and an uploaded spreadsheet
    recorded by the office, a login and a failed login."""
    from imports import services as import_services
    from imports.kinds import IMPORTERS
    from tests.privacy.factories import child_with_guardian

    suggestion = pipe.draft()
    with set_actor(pipe.child_user):
        suggestion_transition(suggestion=suggestion, action="submit", user=pipe.child_user)
    with set_actor(admin):
        MembershipFactory()
        child_with_guardian(consent=True)
        import_services.batch_upload(
            importer=IMPORTERS["staff"], file_name="staff.csv", data=b"x", user=admin
        )
    AccessLog.objects.create(username="egret", user_agent="test", ip_address="127.0.0.1")
    AccessFailureLog.objects.create(username="heron", user_agent="test", ip_address="127.0.0.1")
    return pipe


def test_unfiltered_it_shows_every_kind_newest_first(client, one_of_each):
    response = client.get(url())

    assert kinds_shown(response) == {str(kind.label) for kind in Kind} - {str(Kind.EXPORTS.label)}
    times = [row.at for row in response.context["rows"]]
    assert times == sorted(times, reverse=True)


@pytest.mark.parametrize(
    "kind",
    [Kind.STAGES, Kind.PEOPLE, Kind.PRIVACY, Kind.IMPORTS, Kind.LOGINS, Kind.FAILED_LOGINS],
    ids=str,
)
def test_it_filters_by_kind(client, one_of_each, kind):
    response = client.get(url(), {"kind": kind})

    assert kinds_shown(response) == {str(kind.label)}


def test_it_filters_by_part_of_the_login_name(client, one_of_each):
    response = client.get(url(), {"actor": "GRE"})

    assert {row.username for row in response.context["rows"]} == {"egret"}


def test_it_filters_by_dates(client, one_of_each):
    today = timezone.localdate()

    def shown(**dates):
        return len(client.get(url(), dates).context["rows"])

    assert shown(since=today, until=today) == shown() > 0
    assert shown(since=today + timedelta(days=1)) == 0
    assert shown(until=today - timedelta(days=1)) == 0


def test_a_wrong_filter_is_said_and_the_rest_still_applies(client, one_of_each):
    response = client.get(url(), {"since": "not-a-date", "kind": Kind.LOGINS})

    assert response.status_code == 200
    assert "Enter a valid date" in response.text
    assert kinds_shown(response) == {str(Kind.LOGINS.label)}


def test_it_pages_fifty_at_a_time_newest_first(client, admin):
    start_with_an_empty_trail()
    for n in range(55):
        AccessLog.objects.create(username=f"user{n}", user_agent="test")

    first = client.get(url())
    second = client.get(url(), {"page": 2})

    assert [row.username for row in first.context["rows"]][:2] == ["user54", "user53"]
    assert len(first.context["rows"]) == 50
    newest_first = ["user4", "user3", "user2", "user1", "user0"]
    assert [row.username for row in second.context["rows"]] == newest_first


# --- Its cost -------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 20])
def test_a_page_costs_the_same_queries_for_2_or_20_entries(
    client, admin, count, django_assert_num_queries
):
    """Half memberships the office added (each naming a child and a sub-team), half logins."""
    start_with_an_empty_trail()
    for _n in range(count // 2):
        with set_actor(admin):
            MembershipFactory()
        AccessLog.objects.create(username=admin.username, user_agent="test")
    client.get(url())

    # Session, user, notifications; count and page of the list; its entries and logins;
    # the logins' roles; the children and sub-teams named in the changes.
    with django_assert_num_queries(10):
        response = client.get(url())

    assert len(response.context["rows"]) == count
