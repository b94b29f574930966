"""Each rule the database enforces, reached both through validation (a message in the user's
language) and directly (the constraint itself refuses the row)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from groups.models import (
    GroupLevel,
    Membership,
    MembershipRole,
    ObservationGroup,
    Organisation,
    OrganisationKind,
)
from tests.groups.factories import (
    START,
    ChildFactory,
    CommunityFactory,
    DistrictFactory,
    MembershipFactory,
    MunicipalGroupFactory,
    SchoolFactory,
    SubTeamFactory,
    alliance_with_members,
    sub_team_with_members,
)

pytestmark = pytest.mark.django_db


def refused_by_database(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def messages_of(instance, language="zh-hans"):
    """The validation messages of the instance, in the language given (rendered within it)."""
    with translation.override(language):
        with pytest.raises(ValidationError) as caught:
            instance.full_clean()
        return " ".join(str(message) for message in caught.value.messages)


def test_two_current_leaders_of_one_sub_team_are_refused():
    sub_team, (first, second) = sub_team_with_members(2)
    Membership.objects.create(
        child=first, sub_team=sub_team, role=MembershipRole.LEADER, starts_on=date(2026, 3, 1)
    )
    second_leader = Membership(
        child=second, sub_team=sub_team, role=MembershipRole.LEADER, starts_on=date(2026, 4, 1)
    )

    assert "This sub-team already has a current leader" in messages_of(second_leader, "en")
    assert "这个小队已经有一位现任队长" in messages_of(second_leader)
    refused_by_database(second_leader.save)


def test_a_child_in_two_sub_teams_of_the_municipal_group_at_once_is_refused():
    membership = MembershipFactory()
    other_team = SubTeamFactory()
    second = Membership(child=membership.child, sub_team=other_team, starts_on=date(2026, 5, 1))

    assert "already a current member of a sub-team" in messages_of(second, "en")
    refused_by_database(second.save)


def test_a_child_may_move_to_another_sub_team_once_the_first_membership_ended():
    membership = MembershipFactory(ends_on=date(2026, 5, 1))
    moved = Membership(
        child=membership.child, sub_team=SubTeamFactory(), starts_on=date(2026, 5, 1)
    )

    moved.full_clean()
    moved.save()


def test_an_ended_membership_overlapping_another_is_refused_by_validation():
    membership = MembershipFactory(starts_on=date(2026, 3, 1))
    overlapping = Membership(
        child=membership.child,
        sub_team=SubTeamFactory(),
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 4, 1),
    )

    assert "during these dates" in messages_of(overlapping, "en")


def test_a_membership_ending_before_it_starts_is_refused():
    membership = MembershipFactory.build(
        child=ChildFactory(),
        sub_team=SubTeamFactory(),
        starts_on=date(2026, 5, 1),
        ends_on=date(2026, 4, 1),
    )

    assert "成员资格不能早于开始日期结束" in messages_of(membership)
    refused_by_database(membership.save)


def test_a_membership_names_a_group_or_a_sub_team_not_both_nor_neither():
    child = ChildFactory()
    neither = Membership(child=child, starts_on=date(2026, 3, 1))
    (group,) = alliance_with_members(SchoolFactory(), fostered=0)
    both = Membership(
        child=child, group=group, sub_team=SubTeamFactory(), starts_on=date(2026, 3, 1)
    )

    assert "one of them, not both" in messages_of(both, "en")
    refused_by_database(neither.save)
    refused_by_database(both.save)


def test_two_current_members_in_one_place_of_the_rotation_are_refused():
    sub_team, _members = sub_team_with_members(1)
    second = Membership(
        child=ChildFactory(), sub_team=sub_team, starts_on=date(2026, 3, 1), rotation_position=1
    )

    assert "already has this place in the rotation" in messages_of(second, "en")
    refused_by_database(second.save)


def test_an_end_set_in_advance_is_refused():
    membership = MembershipFactory.build(
        child=ChildFactory(),
        sub_team=SubTeamFactory(),
        ends_on=timezone.localdate() + timedelta(days=1),
    )

    assert "not in advance" in messages_of(membership, "en")


def test_only_a_current_member_can_lead():
    sub_team, _members = sub_team_with_members(1)
    outsider = Membership(
        child=ChildFactory(), sub_team=sub_team, role=MembershipRole.LEADER, starts_on=START
    )

    assert "Only a current member of the sub-team can lead it" in messages_of(outsider, "en")


def test_a_leaders_membership_cannot_simply_be_ended_while_they_lead():
    sub_team, (child,) = sub_team_with_members(1)
    Membership.objects.create(
        child=child, sub_team=sub_team, role=MembershipRole.LEADER, starts_on=START
    )
    membership = Membership.objects.get(child=child, role=MembershipRole.MEMBER)
    membership.ends_on = date(2026, 4, 1)

    assert "End membership today" in messages_of(membership, "en")


def test_the_municipal_group_is_joined_through_a_sub_team():
    membership = Membership(
        child=ChildFactory(), group=MunicipalGroupFactory(), starts_on=date(2026, 3, 1)
    )

    assert "sub-teams" in messages_of(membership, "en")


def test_a_school_without_a_community_is_refused():
    school = Organisation(
        kind=OrganisationKind.SCHOOL, code="s", name="某小学", district=DistrictFactory()
    )

    assert "学校必须属于一个社区" in messages_of(school)
    refused_by_database(school.save)


def test_a_school_whose_community_is_not_a_community_is_refused():
    school = SchoolFactory.build(community=DistrictFactory(), district=DistrictFactory())

    assert "Choose a community" in messages_of(school, "en")


def test_a_school_or_community_outside_any_district_is_refused():
    community = Organisation(kind=OrganisationKind.COMMUNITY, code="c", name="某社区")

    refused_by_database(community.save)


def test_there_is_one_municipal_group():
    MunicipalGroupFactory()
    second = ObservationGroup(
        level=GroupLevel.MUNICIPAL, name="另一个", organisation=CommunityFactory()
    )

    assert "already a municipal observation group" in messages_of(second, "en")
    refused_by_database(second.save)


def test_a_participation_organisation_needs_the_group_that_fosters_it():
    orphan = ObservationGroup(
        level=GroupLevel.PARTICIPATION_ORG, name="小小议事会", organisation=CommunityFactory()
    )

    refused_by_database(orphan.save)


def test_sub_team_term_ends_after_term_days():
    sub_team, (child, *_rest) = sub_team_with_members(1, term_days=14)
    leader = Membership.objects.create(
        child=child, sub_team=sub_team, role=MembershipRole.LEADER, starts_on=date(2026, 3, 1)
    )

    assert leader.term_ends_on == date(2026, 3, 15)


def test_bilingual_names_follow_the_active_language():
    sub_team = SubTeamFactory(name="交通出行观察小队", name_en="Transport team")

    with translation.override("en"):
        assert str(sub_team) == "Transport team"
    with translation.override("zh-hans"):
        assert str(sub_team) == "交通出行观察小队"
