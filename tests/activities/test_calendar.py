from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from icalendar import Calendar

from activities import calendar, services
from activities.models import ActivityKind, Attendance, CalendarFeed
from groups.models import ChildPersonalData
from tests.activities.factories_calendar import ActivityFactory, TrainingSessionFactory
from tests.groups.factories import (
    AdminFactory,
    ChildUserFactory,
    GuardianshipFactory,
    MembershipFactory,
    MentorFactory,
    SchoolFactory,
    StaffFactory,
    alliance_with_members,
    sub_team_with_members,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def url(name, language="en", **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


def feed_url(feed, language="en"):
    return url("sub_team_feed", language=language, token=feed.token)


def events(response):
    return Calendar.from_ical(response.content).walk("VEVENT")


def by_uid(response):
    return {str(event["UID"]): event for event in events(response)}


@pytest.fixture
def team():
    sub_team, children = sub_team_with_members(2)
    mentor = MentorFactory(sub_teams=[sub_team]).user
    return sub_team, children, mentor


@pytest.fixture
def other_team():
    return sub_team_with_members(1)


def in_days(days, hour=10):
    day = timezone.localdate() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


# --- Who sees which calendar ----------------------------------------------------------------


def _user_in_role(role, team, other_team):
    sub_team, children, mentor = team
    if role == "admin":
        return AdminFactory()
    if role == "mentor of the sub-team":
        return mentor
    if role == "mentor of another sub-team":
        return MentorFactory(sub_teams=[other_team[0]]).user
    if role == "member child":
        user = ChildUserFactory()
        MembershipFactory(child=user.child, sub_team=sub_team)
        return user
    if role == "child of another sub-team":
        user = ChildUserFactory()
        MembershipFactory(child=user.child, sub_team=other_team[0])
        return user
    if role == "guardian of a member":
        return GuardianshipFactory(child=children[0]).guardian.user
    if role == "school staff":
        return StaffFactory().user
    raise AssertionError(role)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("mentor of the sub-team", 200),
        ("mentor of another sub-team", 403),
        ("member child", 200),
        ("child of another sub-team", 403),
        ("guardian of a member", 200),
        ("school staff", 403),
    ],
)
def test_the_sub_team_calendar_is_shown_to_those_who_may_see_the_sub_team(
    client, team, other_team, role, status
):
    client.force_login(_user_in_role(role, team, other_team))

    response = client.get(url("sub_team_calendar", pk=team[0].pk))

    assert response.status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("mentor of the sub-team", 200),
        ("mentor of another sub-team", 200),
        ("member child", 200),
        ("child of another sub-team", 200),
        ("guardian of a member", 200),
        ("school staff", 403),
    ],
)
def test_the_municipal_group_calendar_is_shown_to_those_who_may_see_the_group(
    client, team, other_team, role, status
):
    client.force_login(_user_in_role(role, team, other_team))

    response = client.get(url("group_calendar", pk=team[0].group_id))

    assert response.status_code == status


def test_staff_of_the_school_that_runs_a_group_see_its_calendar_and_others_do_not(client):
    school = SchoolFactory()
    (group,) = alliance_with_members(school, fostered=0)
    ActivityFactory(group=group, title="校园安全走访")
    client.force_login(StaffFactory(organisation=school).user)
    assert "校园安全走访" in client.get(url("group_calendar", pk=group.pk)).text

    client.force_login(StaffFactory().user)
    assert client.get(url("group_calendar", pk=group.pk)).status_code == 403


@pytest.mark.parametrize("name", ["sub_team_calendar", "group_calendar"])
def test_an_anonymous_visitor_is_sent_to_log_in(client, team, name):
    pk = team[0].pk if name == "sub_team_calendar" else team[0].group_id

    response = client.get(url(name, pk=pk))

    assert response.status_code == 302
    assert response["Location"].startswith(url("login"))


def test_an_unknown_sub_team_or_group_is_not_found(client):
    client.force_login(AdminFactory())

    assert client.get(url("sub_team_calendar", pk=999999)).status_code == 404
    assert client.get(url("group_calendar", pk=999999)).status_code == 404


# --- What a calendar contains -----------------------------------------------------------------


def test_upcoming_entries_come_soonest_first_and_past_ones_newest_first(team):
    sub_team = team[0]
    later = ActivityFactory(starts_at=in_days(9), sub_teams=[sub_team])
    sooner = ActivityFactory(starts_at=in_days(2), sub_teams=[sub_team])
    long_ago = ActivityFactory(starts_at=in_days(-30), sub_teams=[sub_team])
    recently = ActivityFactory(starts_at=in_days(-2), sub_teams=[sub_team])
    session = TrainingSessionFactory(held_on=timezone.localdate() - timedelta(days=5))
    session.sub_teams.set([sub_team])

    result = calendar.calendar_of_sub_team(sub_team)

    assert [e.activity for e in result["upcoming"]] == [sooner, later]
    assert [e.activity or e.session for e in result["page"].object_list] == [
        recently,
        session,
        long_ago,
    ]


def test_an_activity_under_way_is_still_upcoming_and_todays_training_too(team):
    sub_team = team[0]
    now = timezone.now()
    under_way = ActivityFactory(
        starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1), sub_teams=[sub_team]
    )
    today = TrainingSessionFactory(held_on=timezone.localdate(), sub_teams=[sub_team])

    result = calendar.calendar_of_sub_team(sub_team, now=now)

    assert {e.activity or e.session for e in result["upcoming"]} == {under_way, today}
    assert not result["page"].object_list


def test_whole_group_activities_appear_in_every_sub_team_and_other_sub_teams_ones_do_not(
    team, other_team
):
    sub_team, other = team[0], other_team[0]
    whole_group = ActivityFactory(title="全团议事会")
    ours = ActivityFactory(title="我们小队的走访", sub_teams=[sub_team])
    shared = ActivityFactory(title="两队联合走访", sub_teams=[sub_team, other])
    theirs = ActivityFactory(title="别的小队的走访", sub_teams=[other])
    ActivityFactory(
        title="别的观察团的活动", group=alliance_with_members(SchoolFactory(), fostered=0)[0]
    )

    mine = [e.activity for e in calendar.calendar_of_sub_team(sub_team)["upcoming"]]
    others = [e.activity for e in calendar.calendar_of_sub_team(other)["upcoming"]]

    assert set(mine) == {whole_group, ours, shared}
    assert set(others) == {whole_group, shared, theirs}
    assert len(mine) == len(set(mine))


def test_a_sub_teams_calendar_has_its_own_training_sessions_only(team, other_team):
    sub_team, other = team[0], other_team[0]
    ours = TrainingSessionFactory(sub_teams=[sub_team])
    TrainingSessionFactory(sub_teams=[other])

    past = calendar.calendar_of_sub_team(sub_team)["page"].object_list

    assert [e.session for e in past] == [ours]
    assert past[0].all_day


def test_the_municipal_group_calendar_has_all_its_activities_and_every_sub_teams_training(
    client, team, other_team
):
    sub_team, other = team[0], other_team[0]
    ActivityFactory(title="全团议事会")
    ActivityFactory(title="别的小队的走访", sub_teams=[other])
    TrainingSessionFactory(topic="共同培训", sub_teams=[sub_team, other])
    TrainingSessionFactory(topic="别队培训", sub_teams=[other])
    client.force_login(team[2])

    page = client.get(url("group_calendar", pk=sub_team.group_id)).text

    assert "全团议事会" in page
    assert "别的小队的走访" in page
    assert page.count("共同培训") == 1
    assert "别队培训" in page
    # The mentor may open their own sub-team's training page, not the other one's.
    assert url("sub_team_training", pk=sub_team.pk) in page
    assert url("sub_team_training", pk=other.pk) not in page


def test_the_calendar_page_shows_time_title_kind_place_group_and_links_to_the_activity(
    client, team
):
    sub_team, _children, mentor = team
    activity = ActivityFactory(
        title="公园安全走访",
        kind=ActivityKind.SAFETY_OUTREACH,
        place="湖滨公园",
        starts_at=datetime(2099, 5, 1, 9, 30, tzinfo=SHANGHAI),
        ends_at=datetime(2099, 5, 1, 11, 0, tzinfo=SHANGHAI),
        sub_teams=[sub_team],
    )
    TrainingSessionFactory(topic="观察方法", sub_teams=[sub_team])
    client.force_login(mentor)

    page = client.get(url("sub_team_calendar", pk=sub_team.pk)).text

    assert "2099-05-01 09:30" in page
    assert "11:00" in page
    assert "公园安全走访" in page
    assert "Safety outreach" in page
    assert "湖滨公园" in page
    assert str(activity.group) in page
    assert url("activity_detail", pk=activity.pk) in page
    assert "Training: 观察方法" in page
    assert url("sub_team_training", pk=sub_team.pk) in page


def test_the_calendar_page_is_in_chinese_at_the_unprefixed_address(client, team):
    client.force_login(team[2])

    page = client.get(url("sub_team_calendar", language="zh-hans", pk=team[0].pk))

    assert page.status_code == 200
    assert '<html lang="zh-hans">' in page.text


def test_the_past_is_paginated(client, team):
    sub_team, _children, mentor = team
    for days in range(1, calendar.PAST_PER_PAGE + 3):
        ActivityFactory(title=f"过去{days:02}", starts_at=in_days(-days), sub_teams=[sub_team])
    client.force_login(mentor)

    first = client.get(url("sub_team_calendar", pk=sub_team.pk)).text
    second = client.get(url("sub_team_calendar", pk=sub_team.pk) + "?page=2").text

    assert "过去01" in first
    assert "过去27" not in first
    assert "过去27" in second
    assert 'rel="next"' in first


def test_only_so_many_upcoming_entries_are_shown_and_the_rest_are_counted(team):
    sub_team = team[0]
    for days in range(1, calendar.UPCOMING_LIMIT + 3):
        ActivityFactory(starts_at=in_days(days), sub_teams=[sub_team])

    result = calendar.calendar_of_sub_team(sub_team)

    assert len(result["upcoming"]) == calendar.UPCOMING_LIMIT
    assert result["more_upcoming"] == 2


# --- Query counts -------------------------------------------------------------------------------


def _fill(sub_team, count):
    for n in range(count):
        ActivityFactory(starts_at=in_days(n - count // 2), sub_teams=[sub_team] if n % 2 else [])
    TrainingSessionFactory(sub_teams=[sub_team])


@pytest.mark.parametrize("count", [3, 30])
def test_a_sub_team_calendar_takes_five_queries_however_many_activities(
    team, count, django_assert_num_queries
):
    sub_team = team[0]
    _fill(sub_team, count)

    # keys of activities and sessions; activities, sessions and their sub-teams of the page.
    with django_assert_num_queries(5):
        result = calendar.calendar_of_sub_team(sub_team)
        for entry in [*result["upcoming"], *result["page"].object_list]:
            if entry.activity:
                str(entry.activity.group), entry.activity.where
            else:
                list(entry.session.sub_teams.all())


def _queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["sub_team_calendar", "group_calendar", "sub_team_feed"], ids=str)
def test_a_page_and_the_feed_take_as_many_queries_for_30_activities_as_for_3(
    client, team, other_team, name
):
    sub_team, _children, mentor = team
    client.force_login(mentor)
    feed = services.calendar_feed_for(sub_team)
    path = {
        "sub_team_calendar": url("sub_team_calendar", pk=sub_team.pk),
        "group_calendar": url("group_calendar", pk=sub_team.group_id),
        "sub_team_feed": feed_url(feed),
    }[name]
    _fill(sub_team, 3)
    few = _queries(client, path)

    _fill(sub_team, 27)
    _fill(other_team[0], 10)

    assert _queries(client, path) == few


# --- The feed ----------------------------------------------------------------------------------


@pytest.fixture
def portal(settings):
    settings.PORTAL_BASE_URL = "https://portal.example.cn/"


def test_the_feed_is_an_icalendar_with_the_activity_and_the_training_session(client, team, portal):
    sub_team = team[0]
    activity = ActivityFactory(
        title="公园安全走访",
        kind=ActivityKind.SAFETY_OUTREACH,
        place="湖滨公园",
        starts_at=datetime(2099, 5, 1, 9, 30, tzinfo=SHANGHAI),
        ends_at=datetime(2099, 5, 1, 11, 0, tzinfo=SHANGHAI),
        sub_teams=[sub_team],
    )
    session = TrainingSessionFactory(
        topic="观察方法", held_on=timezone.localdate() - timedelta(days=3), sub_teams=[sub_team]
    )
    feed = services.calendar_feed_for(sub_team)

    response = client.get(feed_url(feed))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    parsed = Calendar.from_ical(response.content)
    assert str(parsed["VERSION"]) == "2.0"
    assert "PRODID" in parsed
    assert str(parsed["X-WR-CALNAME"]) == sub_team.name_en
    assert str(parsed["NAME"]) == sub_team.name_en
    assert parsed["REFRESH-INTERVAL"].dt == calendar.FEED_REFRESH
    assert "X-PUBLISHED-TTL" in parsed
    events = by_uid(response)
    assert set(events) == {
        f"activity-{activity.pk}@hangzhou-cfc.portal",
        f"training-{session.pk}@hangzhou-cfc.portal",
    }
    visit = events[f"activity-{activity.pk}@hangzhou-cfc.portal"]
    assert visit["DTSTART"].dt == datetime(2099, 5, 1, 1, 30, tzinfo=UTC)
    assert visit["DTEND"].dt == datetime(2099, 5, 1, 3, 0, tzinfo=UTC)
    assert str(visit["SUMMARY"]) == "公园安全走访"
    assert str(visit["LOCATION"]) == "湖滨公园"
    assert str(visit["DESCRIPTION"]) == f"Safety outreach · {activity.group.localized_name}"
    assert str(visit["URL"]) == f"https://portal.example.cn/en/activities/{activity.pk}/"
    assert "DTSTAMP" in visit
    training = events[f"training-{session.pk}@hangzhou-cfc.portal"]
    assert training["DTSTART"].dt == session.held_on
    assert training["DTEND"].dt == session.held_on + timedelta(days=1)
    assert str(training["SUMMARY"]) == "Training: 观察方法"


def test_the_feed_says_where_a_practice_base_activity_takes_place(client, team):
    from activities.models import PracticeBase
    from tests.groups.factories import DistrictFactory

    base = PracticeBase.objects.create(
        code="youth-centre",
        name="青少年活动中心",
        kind="youth_centre",
        district=DistrictFactory(),
        certified_on=date(2024, 1, 1),
        expires_on=date(2027, 1, 1),
    )
    ActivityFactory(practice_base=base, place="二楼", sub_teams=[team[0]])

    response = client.get(feed_url(services.calendar_feed_for(team[0])))

    assert str(events(response)[0]["LOCATION"]) == "青少年活动中心 · 二楼"


def test_the_feed_names_no_child_and_holds_no_attendance_report_or_notes(client, team):
    sub_team, children, _mentor = team
    for n, child in enumerate(children):
        ChildPersonalData.objects.create(child=child, real_name=f"王真名{n}", contact_phone="138")
    ActivityFactory(
        sub_teams=[sub_team],
        attendees=children,
        report="报告正文：小朋友们发现了三处问题",
        starts_at=in_days(-3),
    )
    session = TrainingSessionFactory(sub_teams=[sub_team], notes="备注：谁迟到了")
    Attendance.objects.bulk_create(Attendance(session=session, child=c) for c in children)

    text = client.get(feed_url(services.calendar_feed_for(sub_team))).content.decode()

    assert len(Calendar.from_ical(text).walk("VEVENT")) == 2
    for child in children:
        assert child.pseudonym not in text
        assert child.personal_data.real_name not in text
    assert "报告正文" not in text
    assert "备注" not in text
    assert "ATTENDEE" not in text


def test_the_feed_keeps_a_year_of_the_past_and_everything_upcoming(client, team):
    sub_team = team[0]
    too_old = ActivityFactory(starts_at=in_days(-400), sub_teams=[sub_team])
    old_training = TrainingSessionFactory(
        held_on=timezone.localdate() - timedelta(days=400), sub_teams=[sub_team]
    )
    last_year = ActivityFactory(starts_at=in_days(-300), sub_teams=[sub_team])
    far_ahead = ActivityFactory(starts_at=in_days(800), sub_teams=[sub_team])

    uids = by_uid(client.get(feed_url(services.calendar_feed_for(sub_team))))

    assert f"activity-{last_year.pk}@hangzhou-cfc.portal" in uids
    assert f"activity-{far_ahead.pk}@hangzhou-cfc.portal" in uids
    assert f"activity-{too_old.pk}@hangzhou-cfc.portal" not in uids
    assert f"training-{old_training.pk}@hangzhou-cfc.portal" not in uids


def test_the_feed_has_whole_group_activities_and_not_other_sub_teams_ones(client, team, other_team):
    whole_group = ActivityFactory()
    theirs = ActivityFactory(sub_teams=[other_team[0]])

    uids = by_uid(client.get(feed_url(services.calendar_feed_for(team[0]))))

    assert f"activity-{whole_group.pk}@hangzhou-cfc.portal" in uids
    assert f"activity-{theirs.pk}@hangzhou-cfc.portal" not in uids


def test_the_uids_are_the_same_at_every_request_and_on_any_host(client, team):
    ActivityFactory(sub_teams=[team[0]])
    TrainingSessionFactory(sub_teams=[team[0]])
    path = feed_url(services.calendar_feed_for(team[0]))

    first = set(by_uid(client.get(path)))
    second = set(by_uid(client.get(path, HTTP_HOST="localhost")))

    assert first == second
    assert len(first) == 2


def test_the_feed_needs_no_login_and_is_not_cached(client, team):
    response = client.get(feed_url(services.calendar_feed_for(team[0])))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_an_unknown_token_is_not_found(client, team):
    services.calendar_feed_for(team[0])

    assert client.get(url("sub_team_feed", token="not-a-real-token")).status_code == 404


def test_the_feed_is_in_chinese_at_the_unprefixed_address_and_in_english_under_en(client, team):
    ActivityFactory(kind=ActivityKind.SAFETY_OUTREACH, sub_teams=[team[0]])
    TrainingSessionFactory(topic="观察方法", sub_teams=[team[0]])
    feed = services.calendar_feed_for(team[0])

    chinese = client.get(feed_url(feed, language="zh-hans"))
    english = client.get(feed_url(feed, language="en"))

    assert feed_url(feed, language="zh-hans") == f"/calendar/{feed.token}.ics"
    assert feed_url(feed, language="en") == f"/en/calendar/{feed.token}.ics"
    assert str(Calendar.from_ical(chinese.content)["X-WR-CALNAME"]) == team[0].name
    assert str(Calendar.from_ical(english.content)["X-WR-CALNAME"]) == team[0].name_en
    assert "Safety outreach" in english.content.decode()
    assert "Training: 观察方法" in english.content.decode()
    with translation.override("zh-hans"):
        assert f"{ActivityKind.SAFETY_OUTREACH.label} · " in chinese.content.decode()
    assert "/en/activities/" not in chinese.content.decode()


# --- The subscription address -------------------------------------------------------------------


def test_the_sub_team_calendar_shows_the_feed_address_made_on_first_need(client, team):
    sub_team, children, _mentor = team
    client.force_login(GuardianshipFactory(child=children[0]).guardian.user)
    assert not CalendarFeed.objects.exists()

    page = client.get(url("sub_team_calendar", pk=sub_team.pk)).text
    client.get(url("sub_team_calendar", pk=sub_team.pk))

    feed = CalendarFeed.objects.get()
    assert feed.sub_team == sub_team
    assert f"webcal://testserver/en/calendar/{feed.token}.ics" in page
    assert f"http://testserver/en/calendar/{feed.token}.ics" in page
    assert "New address" not in page


def test_the_group_calendar_has_no_feed_address(client, team):
    client.force_login(team[2])

    page = client.get(url("group_calendar", pk=team[0].group_id)).text

    assert "webcal://" not in page
    assert not CalendarFeed.objects.exists()


@pytest.mark.parametrize("role", ["mentor of the sub-team", "admin"])
def test_a_mentor_or_an_admin_gives_the_feed_a_new_address_and_the_old_one_stops_working(
    client, team, other_team, role
):
    sub_team = team[0]
    old = services.calendar_feed_for(sub_team).token
    user = _user_in_role(role, team, other_team)
    client.force_login(user)
    assert "New address" in client.get(url("sub_team_calendar", pk=sub_team.pk)).text

    response = client.post(url("sub_team_calendar", pk=sub_team.pk), follow=True)

    new = CalendarFeed.objects.get(sub_team=sub_team).token
    assert new != old
    assert "The calendar has a new address" in response.text
    assert new in response.text
    client.logout()
    assert client.get(url("sub_team_feed", token=old)).status_code == 404
    assert client.get(url("sub_team_feed", token=new)).status_code == 200


@pytest.mark.parametrize(
    "role", ["member child", "guardian of a member", "mentor of another sub-team", "school staff"]
)
def test_others_cannot_give_the_feed_a_new_address(client, team, other_team, role):
    sub_team = team[0]
    old = services.calendar_feed_for(sub_team).token
    client.force_login(_user_in_role(role, team, other_team))

    response = client.post(url("sub_team_calendar", pk=sub_team.pk))

    assert response.status_code == 403
    assert CalendarFeed.objects.get(sub_team=sub_team).token == old


def test_an_anonymous_visitor_cannot_give_the_feed_a_new_address(client, team):
    old = services.calendar_feed_for(team[0]).token

    response = client.post(url("sub_team_calendar", pk=team[0].pk))

    assert response.status_code == 302
    assert CalendarFeed.objects.get().token == old


def test_the_renew_service_refuses_a_member(team):
    user = ChildUserFactory()
    MembershipFactory(child=user.child, sub_team=team[0])

    with pytest.raises(PermissionDenied):
        services.calendar_feed_renew(sub_team=team[0], user=user)


# --- Links ----------------------------------------------------------------------------------


def test_the_sub_team_page_and_the_group_page_link_to_their_calendars(client, team):
    sub_team, _children, mentor = team
    client.force_login(mentor)

    sub_team_page = client.get(url("sub_team_detail", pk=sub_team.pk)).text
    group_page = client.get(url("group_detail", pk=sub_team.group_id)).text

    assert url("sub_team_calendar", pk=sub_team.pk) in sub_team_page
    assert url("group_calendar", pk=sub_team.group_id) in group_page
