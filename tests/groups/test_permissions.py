"""The groups rules as a role × object matrix: every role, every rule, every kind of object."""

import pytest
from django.contrib.auth.models import AnonymousUser, Permission

from groups.models import GroupLevel, ObservationGroup, Role
from tests.groups.factories import (
    AdminFactory,
    ChildUserFactory,
    CommunityFactory,
    DepartmentFactory,
    GuardianshipFactory,
    MembershipFactory,
    MentorFactory,
    MunicipalGroupFactory,
    SchoolFactory,
    StaffFactory,
    SubTeamFactory,
    UserFactory,
    alliance_with_members,
)

# Each rule and the objects it is asked about.
RULES = {
    "see_sub_team": ["sub_team_a", "sub_team_b"],
    "see_rotation": ["sub_team_a", "sub_team_b"],
    "see_group": [
        "municipal",
        "alliance_group_a",
        "fostered_a",
        "fostered_elsewhere_a",
        "alliance_group_b",
    ],
    "see_organisation": ["school_a", "school_b", "community_a", "department"],
}

# What each role may see; everything not listed is refused.
ALLOWED = {
    "child_a": {("see_sub_team", "sub_team_a"), ("see_group", "municipal")},
    "guardian_a": {("see_sub_team", "sub_team_a"), ("see_group", "municipal")},
    "mentor_a": {
        ("see_sub_team", "sub_team_a"),
        ("see_rotation", "sub_team_a"),
        ("see_group", "municipal"),
    },
    "school_a": {
        ("see_group", "alliance_group_a"),
        ("see_group", "fostered_a"),
        ("see_group", "fostered_elsewhere_a"),
        ("see_organisation", "school_a"),
    },
    # The community oversees its schools: their pages and the groups they run and foster.
    "community_a": {
        ("see_organisation", "community_a"),
        ("see_organisation", "school_a"),
        ("see_group", "alliance_group_a"),
        ("see_group", "fostered_a"),
        ("see_group", "fostered_elsewhere_a"),
    },
    "department": {("see_organisation", "department")},
    "admin": {(rule, name) for rule, names in RULES.items() for name in names},
    "anonymous": set(),
}


@pytest.fixture
def world(db):
    municipal = MunicipalGroupFactory()
    sub_team_a, sub_team_b = SubTeamFactory(group=municipal), SubTeamFactory(group=municipal)
    child_a = ChildUserFactory(display_name="小甲")
    child_b = ChildUserFactory(display_name="小乙")
    MembershipFactory(child=child_a.child, sub_team=sub_team_a)
    MembershipFactory(child=child_b.child, sub_team=sub_team_b)
    guardian_a = GuardianshipFactory(child=child_a.child).guardian.user
    GuardianshipFactory(child=child_b.child)
    mentor_a = MentorFactory(sub_teams=[sub_team_a]).user
    MentorFactory(sub_teams=[sub_team_b])
    school_a = child_a.child.school
    school_b = SchoolFactory()
    department = DepartmentFactory()
    alliance_group_a, alliance_group_b = alliance_with_members(school_a, school_b)
    objects = {
        "sub_team_a": sub_team_a,
        "sub_team_b": sub_team_b,
        "municipal": municipal,
        "alliance_group_a": alliance_group_a,
        "fostered_a": ObservationGroup.objects.filter(
            level=GroupLevel.PARTICIPATION_ORG, fostered_by=alliance_group_a
        ).first(),
        # Fostered by school A's group, but run by an organisation elsewhere.
        "fostered_elsewhere_a": ObservationGroup.objects.create(
            level=GroupLevel.PARTICIPATION_ORG,
            name="别处的议事会",
            organisation=CommunityFactory(),
            fostered_by=alliance_group_a,
        ),
        "alliance_group_b": alliance_group_b,
        "school_a": school_a,
        "school_b": school_b,
        "community_a": school_a.community,
        "department": department,
    }
    users = {
        "child_a": child_a,
        "guardian_a": guardian_a,
        "mentor_a": mentor_a,
        "school_a": StaffFactory(organisation=school_a).user,
        "community_a": StaffFactory(
            organisation=school_a.community, user__role=Role.COMMUNITY
        ).user,
        "department": StaffFactory(organisation=department, user__role=Role.DEPARTMENT).user,
        "admin": UserFactory(role=Role.ADMIN),
        "anonymous": AnonymousUser(),
    }
    return users, objects


@pytest.mark.parametrize("role", list(ALLOWED))
def test_each_role_sees_exactly_what_the_matrix_allows(world, role):
    users, objects = world
    user = users[role]

    seen = {
        (rule, name)
        for rule, names in RULES.items()
        for name in names
        if user.has_perm(f"groups.{rule}", objects[name])
    }

    assert seen == ALLOWED[role]


@pytest.mark.parametrize("role", list(ALLOWED))
def test_every_logged_in_role_sees_the_alliance(world, role):
    users, _objects = world

    assert users[role].has_perm("groups.see_alliance") == (role != "anonymous")


def test_a_child_no_longer_in_the_sub_team_no_longer_sees_it(world):
    users, objects = world
    membership = users["child_a"].child.memberships.get()
    membership.ends_on = membership.starts_on
    membership.save()

    assert not users["child_a"].has_perm("groups.see_sub_team", objects["sub_team_a"])


@pytest.mark.parametrize("role", list(ALLOWED))
def test_no_role_but_an_authorised_admin_sees_real_names(world, role):
    users, _objects = world

    assert not users[role].has_perm("groups.see_child_personal_data")


def given_the_personal_data_permission(user):
    user.user_permissions.add(Permission.objects.get(codename="view_childpersonaldata"))
    return type(user).objects.get(pk=user.pk)  # a fresh object: no cached permissions


def test_an_admin_given_the_permission_sees_real_names_and_a_superuser_does_too(world):
    users, _objects = world

    assert given_the_personal_data_permission(users["admin"]).has_perm(
        "groups.see_child_personal_data"
    )
    assert AdminFactory().has_perm("groups.see_child_personal_data")


@pytest.mark.parametrize("role", ["school_a", "mentor_a", "guardian_a"])
def test_the_permission_alone_does_not_show_real_names_to_someone_outside_the_office(world, role):
    users, _objects = world

    user = given_the_personal_data_permission(users[role])

    assert not user.has_perm("groups.see_child_personal_data")
