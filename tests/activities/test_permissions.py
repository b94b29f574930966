"""The training and calendar rules as a role × object matrix."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from activities.permissions import CORRECTION_DAYS, correctable, may_log
from groups.models import Role
from tests.activities.factories_calendar import TrainingSessionFactory
from tests.groups.factories import (
    ChildUserFactory,
    GuardianshipFactory,
    MembershipFactory,
    MentorFactory,
    StaffFactory,
    SubTeamFactory,
    UserFactory,
    sub_team_with_members,
)

pytestmark = pytest.mark.django_db

RULES = {
    "log_training": ["sub_team_a", "sub_team_b"],
    "renew_feed": ["sub_team_a", "sub_team_b"],
    "correct_training": ["recent_a", "old_a", "recent_b"],
}

ALLOWED = {
    "mentor_a": {
        ("log_training", "sub_team_a"),
        ("renew_feed", "sub_team_a"),
        ("correct_training", "recent_a"),
    },
    "child_a": set(),
    "guardian_a": set(),
    "school_a": set(),
    "admin": {(rule, name) for rule, names in RULES.items() for name in names},
    "anonymous": set(),
}


@pytest.fixture
def world():
    sub_team_a, _children = sub_team_with_members(2)
    child_user = ChildUserFactory()
    MembershipFactory(child=child_user.child, sub_team=sub_team_a)
    sub_team_b = SubTeamFactory(group=sub_team_a.group)
    today = timezone.localdate()
    objects = {
        "sub_team_a": sub_team_a,
        "sub_team_b": sub_team_b,
        "recent_a": TrainingSessionFactory(
            sub_teams=[sub_team_a], held_on=today - timedelta(days=CORRECTION_DAYS)
        ),
        "old_a": TrainingSessionFactory(
            sub_teams=[sub_team_a], held_on=today - timedelta(days=CORRECTION_DAYS + 1)
        ),
        "recent_b": TrainingSessionFactory(sub_teams=[sub_team_b]),
    }
    child = child_user.child
    users = {
        "mentor_a": MentorFactory(sub_teams=[sub_team_a]).user,
        "child_a": child_user,
        "guardian_a": GuardianshipFactory(child=child).guardian.user,
        "school_a": StaffFactory(organisation=child.school).user,
        "admin": UserFactory(role=Role.ADMIN),
        "anonymous": AnonymousUser(),
    }
    return users, objects


@pytest.mark.parametrize("role", list(ALLOWED))
def test_each_role_may_do_exactly_what_the_matrix_allows(world, role):
    users, objects = world
    user = users[role]
    granted = {
        (rule, name)
        for rule, names in RULES.items()
        for name in names
        if user.has_perm(f"activities.{rule}", objects[name])
    }
    assert granted == ALLOWED[role]


@pytest.mark.parametrize("role", list(ALLOWED))
def test_the_batch_helpers_agree_with_the_rules(world, role):
    users, objects = world
    user = users[role]
    sub_team = objects["sub_team_a"]
    sessions = [objects["recent_a"], objects["old_a"]]
    assert correctable(user, sub_team, sessions) == {
        s.pk for s in sessions if user.has_perm("activities.correct_training", s)
    }
    assert may_log(user, [sub_team]) == user.has_perm("activities.log_training", sub_team)
