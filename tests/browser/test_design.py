"""The portal's own design system on a phone (issue 18): /design/ and the restyled pages pass
axe in both languages, the header stays short, its menu opens without JavaScript, and every
button and menu link is big enough for a child's finger."""

import pytest
from playwright.sync_api import expect

from groups.models import Role
from tests.browser.conftest import PHONE
from tests.groups.factories import (
    AdminFactory,
    ChildFactory,
    MembershipFactory,
    MentorFactory,
    SubTeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser

PHONE_375 = {"width": 375, "height": 812}


@pytest.fixture
def team(db):
    team = SubTeamFactory()
    for n in range(3):
        user = UserFactory(role=Role.CHILD, username=f"child{n}", display_name=f"小白鹭{n}")
        MembershipFactory(
            sub_team=team,
            rotation_position=n + 1,
            child=ChildFactory(user=user, pseudonym=f"小白鹭{n}"),
        )
    return team


def child_user(team):
    return team.memberships.first().child.user


def test_the_design_page_and_the_restyled_pages_have_no_problem(portal, team):
    portal.log_in_as(AdminFactory())
    assert portal.problems("/design/") == []
    assert portal.problems("/practice-bases/") == []

    portal.log_in_as(child_user(team))
    assert portal.problems("/") == []
    assert portal.problems("/activities/") == []

    mentor = MentorFactory(sub_teams=[team])
    portal.log_in_as(mentor.user)
    assert portal.problems(f"/sub-teams/{team.pk}/training/") == []
    assert portal.problems(f"/sub-teams/{team.pk}/training/new/") == []


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_header_on_a_phone_is_one_short_bar(portal, prefix):
    """An admin has the most links: they all wait in the menu, not on the screen."""
    portal.log_in_as(AdminFactory())
    portal.page.set_viewport_size(PHONE_375)
    portal.goto(prefix + "/")

    header = portal.page.get_by_role("banner").bounding_box()

    assert header["height"] < 70
    expect(portal.page.get_by_role("link", name="Figures" if prefix else "数据")).to_be_hidden()


def test_the_menu_opens_without_javascript_and_everything_in_it_is_big_enough(
    portal, team, browser
):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    portal.page = page
    portal.log_in_as(child_user(team))
    portal.goto("/en/")
    banner = page.get_by_role("banner")
    log_out = banner.get_by_role("button", name="Log out")
    expect(log_out).to_be_hidden()

    banner.get_by_text("Menu").click()

    expect(log_out).to_be_visible()
    expect(banner.get_by_role("button", name="中文")).to_be_visible()
    targets = banner.locator("a, button, summary")
    for n in range(targets.count()):
        box = targets.nth(n).bounding_box()
        assert box["height"] >= 44, targets.nth(n).inner_text()
    context.close()


def test_a_lists_filters_fold_away_on_a_phone_and_stay_open_on_a_desktop(portal, team):
    portal.log_in_as(child_user(team))
    page = portal.page
    page.set_viewport_size(PHONE)
    portal.goto("/en/activities/")
    kind = page.get_by_label("Kind")
    expect(kind).to_be_hidden()

    page.locator("summary", has_text="Filter").click()

    expect(kind).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 800})
    portal.goto("/en/activities/")
    expect(kind).to_be_visible()


def too_small_to_tap(page) -> list[str]:
    """The links and buttons in the page's content less than 44 px tall, by their words."""
    targets = page.get_by_role("main").locator("a, button, [role=button], summary")
    small = []
    for n in range(targets.count()):
        target = targets.nth(n)
        box = target.bounding_box()
        if box is not None and box["height"] < 44:
            small.append(f"{target.inner_text()!r}: {box['height']:.0f} px")
    return small


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_everything_a_child_taps_on_their_pages_is_big_enough(portal, team, prefix):
    from django.utils import timezone

    from suggestions.models import Notification
    from suggestions.workflow import State
    from tests.suggestions.factories import SuggestionFactory

    child = team.memberships.first().child
    SuggestionFactory(child=child, title="楼道灯太暗")  # a draft
    SuggestionFactory(child=child, title="校门口车太多", state=State.RETURNED)
    sent = SuggestionFactory(
        child=child, title="操场边没有水", state=State.AT_SCHOOL, submitted_at=timezone.now()
    )
    Notification.objects.create(recipient=child.user, suggestion=sent, kind="answered")
    portal.log_in_as(child.user)
    portal.page.set_viewport_size({"width": 390, "height": 844})

    for path in ["/", "/suggestions/", f"/suggestions/{sent.pk}/sent/"]:
        assert portal.goto(prefix + path).status == 200
        assert too_small_to_tap(portal.page) == [], path


def test_a_pseudonym_in_the_inbox_stays_on_one_line_on_a_phone(portal):
    from django.utils import timezone

    from suggestions.workflow import State
    from tests.suggestions.factories import Pipeline

    pipe = Pipeline()
    for title in ["校门口放学时车太多，过马路很危险", "Too many cars at the school gate"]:
        pipe.draft(
            title=title, state=State.AT_SCHOOL, owner=pipe.school, submitted_at=timezone.now()
        )
    portal.log_in_as(pipe.school_staff)
    portal.page.set_viewport_size({"width": 390, "height": 844})
    portal.goto("/inbox/")

    names = portal.page.locator("table td:first-child small")
    assert names.count() == 2
    for n in range(names.count()):
        assert names.nth(n).evaluate("name => name.getClientRects().length") == 1
