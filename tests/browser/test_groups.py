import re

import pytest
from playwright.sync_api import expect

from groups.demo import DEMO_PASSWORD
from groups.models import Membership, ObservationGroup, Organisation, SubTeam, User

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(read_only_demo):
    return read_only_demo


def log_in(portal, username, prefix=""):
    page = portal.page
    portal.goto(f"{prefix}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile("欢迎你|Welcome"))


# What each role's home page shows of who they are and what they do next.
HOMES = {
    "child": ["你的化名", "小白鹭", "你的小队", "现在要做的"],
    "guardian": ["参加项目的孩子", "小白鹭"],
    "mentor": ["你作为导师", "人大代表", "你指导的小队", "现任队长", "下一任队长"],
    "school": ["你的单位", "学校", "本校的儿童观察员", "你负责收集建议"],
    "community": ["你的单位", "社区内的学校", "社区能解决的就地解决"],
    "department": ["你的单位", "杭州市交通运输局", "制定计划"],
    "admin": ["项目概况", "儿童观察员", "联盟成员观察团", "系统状态"],
}


@pytest.mark.parametrize("username", list(HOMES))
def test_each_role_logs_in_and_sees_its_home_page(demo, username):
    log_in(demo, username)

    main = demo.page.get_by_role("main")
    for text in HOMES[username]:
        expect(main).to_contain_text(text)
    assert demo.foreign_requests() == []


def test_a_mentor_sees_their_sub_teams_leader_and_rotation(demo):
    page = demo.page
    mentor = User.objects.get(username="mentor").mentor
    sub_team = mentor.sub_teams.order_by("pk").first()
    leader = sub_team.memberships.current().leaders().get()
    previous = sub_team.memberships.leaders().filter(ends_on__isnull=False).count()
    log_in(demo, "mentor", "/en")

    page.get_by_role("link", name=sub_team.name_en).first.click()

    expect(page.get_by_role("heading", level=1)).to_have_text(sub_team.name_en)
    leadership = page.locator("dl.leadership")
    expect(leadership).to_contain_text("Leader now")
    expect(leadership).to_contain_text(leader.child.pseudonym)
    expect(leadership).to_contain_text("Next leader")
    expect(page.get_by_role("heading", name="Led before")).to_be_visible()
    expect(page.locator("table tbody tr")).to_have_count(previous)
    expect(page.locator("ol.members li")).to_have_count(10)
    assert demo.serious_accessibility_violations() == []


def _demo_pages():
    """(login, path) for every groups page, as the role that sees it."""
    mentor_team = SubTeam.objects.filter(mentors__user__username="mentor").order_by("pk").first()
    municipal = ObservationGroup.objects.get(level="municipal")
    alliance_group = ObservationGroup.objects.filter(level="alliance_member").first()
    school = Organisation.objects.get(staff__user__username="school")
    child_team = Membership.objects.get(child__user__username="child", role="member").sub_team
    return {
        **{f"home, {name}": (name, "/") for name in HOMES},
        "sub-team, mentor": ("mentor", f"/sub-teams/{mentor_team.pk}/"),
        "sub-team, child": ("child", f"/sub-teams/{child_team.pk}/"),
        "municipal group": ("admin", f"/groups/{municipal.pk}/"),
        "alliance group": ("admin", f"/groups/{alliance_group.pk}/"),
        "alliance": ("guardian", "/alliance/"),
        "organisation": ("school", f"/organisations/{school.pk}/"),
        "training, mentor": ("mentor", f"/sub-teams/{mentor_team.pk}/training/"),
        "training form, mentor": ("mentor", f"/sub-teams/{mentor_team.pk}/training/new/"),
        "training, child": ("child", f"/sub-teams/{child_team.pk}/training/"),
    }


PAGE_NAMES = [
    *(f"home, {name}" for name in HOMES),
    "sub-team, mentor",
    "sub-team, child",
    "municipal group",
    "alliance group",
    "alliance",
    "organisation",
    "training, mentor",
    "training form, mentor",
    "training, child",
]


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_every_groups_page_is_accessible_in_both_languages_and_fits_a_phone(demo, name):
    username, path = _demo_pages()[name]
    demo.log_in_as(User.objects.get(username=username))

    assert demo.problems(path) == []
