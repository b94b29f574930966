"""The role home pages' reads: each role sees its own place in the programme."""

import pytest

from home.selectors import home_for
from tests.groups.factories import (
    ChildFactory,
    GuardianshipFactory,
    SchoolFactory,
    StaffFactory,
    UserFactory,
    sub_team_with_members,
)

pytestmark = pytest.mark.django_db


def test_guardian_home_lists_each_child_with_their_sub_team():
    sub_team, (child, *_rest) = sub_team_with_members(2)
    guardianship = GuardianshipFactory(child=child)

    home = home_for(guardianship.guardian.user)

    (listed,) = home["children"]
    assert listed == child
    assert [row.sub_team for row in listed.current_sub_team_rows] == [sub_team]


def test_staff_home_of_a_school_counts_its_child_observers():
    school = SchoolFactory()
    sub_team_with_members(0)
    ChildFactory.create_batch(3, school=school)
    staff = StaffFactory(organisation=school)

    home = home_for(staff.user)

    assert home["organisation"].pupil_count == 3


def test_home_of_a_login_without_its_profile_says_so():
    assert home_for(UserFactory(role="mentor")) == {"profile_missing": True}
