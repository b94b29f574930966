from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from groups.models import Membership, MembershipRole, Organisation, Role
from groups.services import sub_team_leadership_hand_over
from tests.groups.factories import (
    START,
    AdminFactory,
    ChildUserFactory,
    CommunityFactory,
    DepartmentFactory,
    GuardianshipFactory,
    MembershipFactory,
    MentorFactory,
    SchoolFactory,
    StaffFactory,
    SubTeamFactory,
    UserFactory,
    alliance_with_members,
    sub_team_with_members,
)

pytestmark = pytest.mark.django_db


def url(name, language="en", **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


@pytest.fixture
def team():
    """A led sub-team of three, its first member a child with a login, a guardian, a mentor."""
    sub_team, (first, second, third) = sub_team_with_members(3, name_en="Transport team")
    child_user = UserFactory(role=Role.CHILD, display_name=first.pseudonym)
    first.user = child_user
    first.save()
    sub_team_leadership_hand_over(sub_team=sub_team, on=START)
    sub_team_leadership_hand_over(sub_team=sub_team, on=date(2026, 3, 31))
    mentor = MentorFactory(sub_teams=[sub_team])
    guardian = GuardianshipFactory(child=first).guardian
    return {
        "sub_team": sub_team,
        "children": (first, second, third),
        "child_user": child_user,
        "mentor": mentor.user,
        "guardian": guardian.user,
    }


def test_a_child_home_shows_their_sub_team_its_leader_and_their_next_turn(client, team):
    first, second, _third = team["children"]
    client.force_login(team["child_user"])

    response = client.get(url("home"))

    assert "Transport team" in response.text
    assert second.pseudonym in response.text, "the leader now"
    assert first.school.name in response.text


def test_a_child_home_tells_the_leader_until_when_they_lead(client, team):
    _first, second, _third = team["children"]
    second.user = UserFactory(role=Role.CHILD)
    second.save()
    client.force_login(second.user)

    response = client.get(url("home"))

    assert "You lead your sub-team until 2026-04-30" in response.text


def test_a_guardian_home_lists_their_child_by_pseudonym(client, team):
    client.force_login(team["guardian"])

    response = client.get(url("home"))

    assert team["children"][0].pseudonym in response.text
    assert "Transport team" in response.text


def test_a_mentor_home_shows_the_next_handover(client, team):
    _first, _second, third = team["children"]
    client.force_login(team["mentor"])

    response = client.get(url("home"))

    assert f"Transport team on 2026-04-30, to {third.pseudonym}" in response.text


@pytest.mark.parametrize(
    ("role", "organisation_factory", "expected"),
    [
        (Role.SCHOOL, SchoolFactory, "You collect them"),
        (Role.COMMUNITY, CommunityFactory, "You resolve what the community can do itself"),
        (Role.DEPARTMENT, DepartmentFactory, "You accept them, plan the work"),
    ],
)
def test_a_staff_home_names_their_organisation_and_their_part(
    client, role, organisation_factory, expected
):
    organisation = organisation_factory()
    client.force_login(StaffFactory(organisation=organisation, user__role=role).user)

    response = client.get(url("home"))

    assert organisation.name in response.text
    assert expected in response.text


def test_an_admin_home_shows_the_figures_and_leaderless_sub_teams(client, team):
    leaderless = SubTeamFactory(name_en="Parks team")
    client.force_login(AdminFactory())

    response = client.get(url("home"))

    assert "The programme today" in response.text
    assert "Parks team" in response.text
    assert reverse("sub_team_detail", kwargs={"pk": leaderless.pk}) in response.text


def test_a_login_without_its_place_in_the_programme_is_told_so(client):
    client.force_login(UserFactory(role=Role.MENTOR))

    response = client.get(url("home"))

    assert "not yet linked" in response.text


def test_the_mentor_sees_who_leads_who_is_next_and_who_led_before(client, team):
    first, _second, third = team["children"]
    client.force_login(team["mentor"])

    response = client.get(url("sub_team_detail", pk=team["sub_team"].pk))

    assert response.status_code == 200
    text = response.text
    assert "Led before" in text
    assert f"<td>{first.pseudonym}</td><td>2026-03-01</td><td>2026-03-31</td>" in text
    assert "Next leader" in text and third.pseudonym in text


def test_a_child_sees_their_sub_team_and_its_leader_but_not_the_rotation(client, team):
    client.force_login(team["child_user"])

    response = client.get(url("sub_team_detail", pk=team["sub_team"].pk))

    assert response.status_code == 200
    assert team["children"][1].pseudonym in response.text
    assert "Led before" not in response.text
    assert "Next leader" not in response.text


def test_a_child_may_not_open_another_sub_team(client, team):
    other = MembershipFactory().sub_team
    client.force_login(team["child_user"])

    response = client.get(url("sub_team_detail", pk=other.pk))

    assert response.status_code == 403
    assert "Not allowed" in response.text


def test_pages_need_a_login(client, team):
    response = client.get(url("sub_team_detail", pk=team["sub_team"].pk))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_an_unknown_sub_team_is_a_404(client, team):
    client.force_login(AdminFactory())

    assert client.get(url("sub_team_detail", pk=999999)).status_code == 404


def test_the_municipal_group_page_lists_sub_teams_with_leaders_and_the_mentor_team(client, team):
    client.force_login(team["mentor"])

    response = client.get(url("group_detail", pk=team["sub_team"].group_id))

    assert response.status_code == 200
    assert "Transport team" in response.text
    assert team["children"][1].pseudonym in response.text
    assert str(team["mentor"]) in response.text


def test_the_alliance_page_lists_member_groups_and_what_they_foster(client):
    school = SchoolFactory(name="胜利小学")
    alliance_with_members(school, CommunityFactory(name="杨柳郡社区"), fostered=2)
    client.force_login(UserFactory())

    response = client.get(url("alliance", "zh-hans"))

    assert "胜利小学观察团" in response.text
    assert "杨柳郡社区观察团" in response.text
    assert "胜利小学议事会1" in response.text


def test_staff_see_their_own_organisation_and_not_another(client):
    school = SchoolFactory()
    staff = StaffFactory(organisation=school).user
    client.force_login(staff)

    assert client.get(url("organisation_detail", pk=school.pk)).status_code == 200
    assert client.get(url("organisation_detail", pk=SchoolFactory().pk)).status_code == 403


def test_a_community_worker_sees_the_schools_of_their_community(client):
    school = SchoolFactory()
    client.force_login(StaffFactory(organisation=school.community, user__role=Role.COMMUNITY).user)

    response = client.get(url("organisation_detail", pk=school.community.pk))

    assert school.name in response.text
    assert client.get(url("organisation_detail", pk=school.pk)).status_code == 200


# --- Bad input through the admin pages: refused with a message, nothing written ------------


def admin_post(client, model, data, language="zh-hans"):
    client.force_login(AdminFactory())
    return client.post(url(f"admin:groups_{model}_add", language), data)


def test_a_second_current_leader_is_refused_in_the_admin_with_a_message_in_chinese(client, team):
    before = Membership.objects.count()

    response = admin_post(
        client,
        "membership",
        {
            "child": team["children"][2].pk,
            "sub_team": team["sub_team"].pk,
            "role": MembershipRole.LEADER,
            "starts_on": "2026-04-05",
        },
    )

    assert response.status_code == 200
    assert "这个小队已经有一位现任队长" in response.text
    assert "2026-04-05" in response.text, "what was typed is kept"
    assert Membership.objects.count() == before


def test_a_child_in_a_second_sub_team_is_refused_in_the_admin_in_english(client, team):
    response = admin_post(
        client,
        "membership",
        {
            "child": team["children"][0].pk,
            "sub_team": SubTeamFactory().pk,
            "role": MembershipRole.MEMBER,
            "starts_on": "2026-05-01",
        },
        language="en",
    )

    assert response.status_code == 200
    assert "already a current member of a sub-team" in response.text


def test_a_membership_ending_before_it_starts_is_refused_in_the_admin(client):
    child = ChildUserFactory().child

    response = admin_post(
        client,
        "membership",
        {
            "child": child.pk,
            "sub_team": SubTeamFactory().pk,
            "role": MembershipRole.MEMBER,
            "starts_on": "2026-05-01",
            "ends_on": "2026-04-01",
        },
    )

    assert "成员资格不能早于开始日期结束" in response.text
    assert not Membership.objects.filter(child=child).exists()


def test_a_school_without_a_community_is_refused_in_the_admin(client):
    district = CommunityFactory().district

    response = admin_post(
        client,
        "organisation",
        {"kind": "school", "code": "new-school", "name": "新学校", "district": district.pk},
    )

    assert response.status_code == 200
    assert "学校必须属于一个社区" in response.text
    assert not Organisation.objects.filter(code="new-school").exists()


def test_the_admin_action_hands_leadership_over_now(client, team):
    client.force_login(AdminFactory())

    response = client.post(
        url("admin:groups_subteam_changelist"),
        {"action": "hand_over_leadership", "_selected_action": [team["sub_team"].pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert f"is now led by {team['children'][2].pseudonym}" in response.text


def test_a_conflict_saved_at_the_same_moment_is_a_message_not_a_500(client, team, monkeypatch):
    """Between the form's check and the save another admin saved a leader: the database
    refuses, the admin page says so, and nothing is written."""
    monkeypatch.setattr(Membership, "validate_constraints", lambda self, exclude=None: None)
    monkeypatch.setattr(Membership, "clean", lambda self: None)
    before = Membership.objects.count()

    response = admin_post(
        client,
        "membership",
        {
            "child": team["children"][2].pk,
            "sub_team": team["sub_team"].pk,
            "role": MembershipRole.LEADER,
            "starts_on": "2026-04-05",
        },
        language="en",
    )

    assert response.status_code == 302
    followed = client.get(response["Location"])
    assert "Nothing was saved" in followed.text
    assert Membership.objects.count() == before


def test_the_end_membership_action_ends_a_leaders_membership_and_their_leadership(client, team):
    leader = Membership.objects.get(sub_team=team["sub_team"], role="leader", ends_on=None)
    membership = Membership.objects.get(child=leader.child, role="member")
    client.force_login(AdminFactory())

    client.post(
        url("admin:groups_membership_changelist"),
        {"action": "end_today", "_selected_action": [membership.pk]},
    )

    leader.refresh_from_db()
    membership.refresh_from_db()
    assert membership.ends_on is not None
    assert leader.ends_on == membership.ends_on


def test_real_names_are_hidden_from_staff_given_only_the_model_permission(client):
    from django.contrib.auth.models import Permission

    from groups.models import ChildPersonalData

    personal = ChildPersonalData.objects.create(child=ChildUserFactory().child, real_name="王雨桐")
    staff = StaffFactory(user__is_staff=True).user
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_childpersonaldata", "view_child"])
    )
    client.force_login(staff)

    listing = client.get(url("admin:groups_childpersonaldata_changelist"))
    detail = client.get(url("admin:groups_childpersonaldata_change", object_id=personal.pk))

    assert listing.status_code == 403
    assert detail.status_code in (302, 403)
    assert "王雨桐" not in listing.text + detail.text


def test_the_admin_lists_personal_records_by_pseudonym_and_opens_none(client):
    from groups.models import ChildPersonalData

    personal = ChildPersonalData.objects.create(child=ChildUserFactory().child, real_name="王雨桐")
    client.force_login(AdminFactory())

    listing = client.get(url("admin:groups_childpersonaldata_changelist"))
    detail = client.get(url("admin:groups_childpersonaldata_change", object_id=personal.pk))

    assert listing.status_code == 200
    assert personal.child.pseudonym in listing.text
    assert url("personal_record", pk=personal.child_id) in listing.text
    assert "王雨桐" not in listing.text + detail.text
