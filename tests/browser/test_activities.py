from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from activities.models import (
    Activity,
    ActivityKind,
    DiscussionTopic,
    PracticeBase,
    Programme,
    TrainingSession,
)
from groups.models import Membership, ObservationGroup, User

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(portal):
    call_command("seed_demo")
    return portal


def test_a_mentor_logs_a_session_the_child_sees_it_and_the_feed_has_it(demo):
    page = demo.page
    child = User.objects.get(username="child").child
    sub_team = Membership.objects.current().members().get(child=child).sub_team
    mentor = User.objects.filter(mentor__sub_teams=sub_team).order_by("pk").first()
    today = timezone.localdate()
    demo.log_in_as(mentor)

    demo.goto(f"/en/sub-teams/{sub_team.pk}/training/new/")
    page.get_by_label("Held on").fill(today.isoformat())
    page.get_by_label("Topic").fill("Listening to the neighbourhood")
    page.get_by_label("Hours").fill("1.5")
    page.get_by_label(f"{child.pseudonym} · {sub_team.name_en}").check()
    page.get_by_role("button", name="Save").click()

    expect(page.locator(".messages")).to_contain_text("The session is logged.")
    row = page.locator("tr", has_text="Listening to the neighbourhood")
    expect(row).to_contain_text(today.isoformat())
    expect(row).to_contain_text("1/")
    session = TrainingSession.objects.get(topic="Listening to the neighbourhood")
    assert list(session.attendances.values_list("child", flat=True)) == [child.pk]

    page.context.clear_cookies()
    demo.log_in_as(child.user)
    demo.goto("/en/")
    page.get_by_role("link", name="Everything you took part in").click()
    expect(page.get_by_role("main")).to_contain_text("Listening to the neighbourhood")

    demo.goto(f"/en/sub-teams/{sub_team.pk}/calendar/")
    feed_url = page.get_by_label("https address").input_value()
    feed = page.request.get(feed_url)
    assert feed.ok
    assert feed.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.body()).walk("VEVENT")
    summaries = [str(event["SUMMARY"]) for event in events]
    assert "Training: Listening to the neighbourhood" in summaries
    assert child.pseudonym not in feed.text()
    assert demo.foreign_requests() == []


def test_a_mentor_logs_an_activity_in_chinese_and_a_wrong_end_is_explained(demo):
    page = demo.page
    mentor = User.objects.get(username="mentor")
    group = ObservationGroup.objects.get(level="municipal")
    start = timezone.localtime() + timedelta(days=3)
    demo.log_in_as(mentor)

    demo.goto(f"/groups/{group.pk}/activities/new/")
    page.get_by_label("标题").fill("社区议事：儿童友好菜场")
    page.get_by_label("开始").fill(start.strftime("%Y-%m-%dT10:00"))
    page.get_by_label("结束").fill(start.strftime("%Y-%m-%dT09:00"))
    page.get_by_label("地点").fill("湖滨社区议事厅")
    page.get_by_label("参与儿童人数").fill("15")
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_role("main")).to_contain_text("活动的结束时间必须晚于开始时间")
    expect(page.get_by_label("标题")).to_have_value("社区议事：儿童友好菜场")
    assert demo.serious_accessibility_violations() == []
    page.get_by_label("结束").fill(start.strftime("%Y-%m-%dT11:30"))
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("社区议事：儿童友好菜场")
    assert Activity.objects.filter(title="社区议事：儿童友好菜场", group=group).count() == 1


def test_every_activities_page_is_accessible_in_both_languages_and_fits_a_phone(read_only_demo):
    """One demo for all the pages (seeding it is the slow part), shared with the other read-only
    tests (tests/browser/conftest.py); each page as its viewer."""
    demo = read_only_demo
    municipal = ObservationGroup.objects.get(level="municipal")
    child = User.objects.get(username="child").child
    sub_team = Membership.objects.current().members().get(child=child).sub_team
    attended = (
        Activity.objects.filter(
            attendees__isnull=False, sub_teams__mentors__user__username="mentor"
        )
        .order_by("pk")
        .first()
    )
    session = TrainingSession.objects.order_by("pk").first()
    programme = Programme.objects.order_by("pk").first()
    yangliu = ObservationGroup.objects.get(organisation__code="yangliujun", level="alliance_member")
    topic = DiscussionTopic.objects.filter(group=yangliu).first()
    pages = [
        (None, "/activities/"),
        (None, "/activities/?kind=zzz&year=abc"),
        (None, f"/activities/{attended.pk}/"),
        (None, "/practice-bases/"),
        (None, "/practice-bases/?kind=emergency_safety"),
        (None, "/programmes/"),
        (None, f"/programmes/{programme.pk}/"),
        (None, "/discussion-topics/"),
        ("mentor", f"/activities/{attended.pk}/"),
        ("mentor", f"/groups/{municipal.pk}/activities/new/"),
        ("mentor", f"/activities/{attended.pk}/edit/"),
        ("mentor", f"/activities/{attended.pk}/photos/new/"),
        ("admin", f"/training/{session.pk}/edit/"),
        ("child", f"/sub-teams/{sub_team.pk}/calendar/"),
        ("child", f"/children/{child.pk}/participation/"),
        ("admin", f"/groups/{municipal.pk}/calendar/"),
        ("admin", "/"),
        ("admin", f"/groups/{yangliu.pk}/discussion-topics/new/"),
        ("admin", f"/discussion-topics/{topic.pk}/edit/"),
    ]
    assert PracticeBase.objects.exists()
    assert Activity.objects.filter(kind=ActivityKind.SAFETY_OUTREACH).exists()
    found = []
    for username, path in pages:
        demo.page.context.clear_cookies()
        if username:
            demo.log_in_as(User.objects.get(username=username))
        found += [f"{username}: {problem}" for problem in demo.problems(path)]

    assert found == []
