from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from groups.models import Membership, MembershipRole
from groups.services import (
    membership_end,
    sub_team_leadership_hand_over,
    sub_teams_rotate_due,
)
from groups.tasks import rotate_sub_team_leaders
from tests.groups.factories import MembershipFactory, sub_team_with_members

pytestmark = pytest.mark.django_db

MARCH_1 = date(2026, 3, 1)


def leaders(sub_team):
    return list(
        Membership.objects.filter(sub_team=sub_team, role=MembershipRole.LEADER)
        .order_by("starts_on", "pk")
        .values_list("child__pseudonym", "starts_on", "ends_on")
    )


def test_the_first_hand_over_starts_the_first_member_in_the_rotation():
    sub_team, (first, _second, _third) = sub_team_with_members(3)

    leader = sub_team_leadership_hand_over(sub_team=sub_team, on=MARCH_1)

    assert leader.child == first
    assert leaders(sub_team) == [(first.pseudonym, MARCH_1, None)]


def test_hand_overs_follow_the_rotation_order_and_wrap_round_keeping_the_history():
    sub_team, (first, second, third) = sub_team_with_members(3)
    days = [date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 30)]

    for day in days:
        sub_team_leadership_hand_over(sub_team=sub_team, on=day)

    assert leaders(sub_team) == [
        (first.pseudonym, days[0], days[1]),
        (second.pseudonym, days[1], days[2]),
        (third.pseudonym, days[2], days[3]),
        (first.pseudonym, days[3], None),
    ]


def test_members_outside_the_rotation_and_former_members_are_skipped():
    sub_team, (first, second, third) = sub_team_with_members(3)
    Membership.objects.filter(child=second).update(rotation_position=None)
    membership_end(membership=Membership.objects.get(child=third), on=date(2026, 3, 10))

    sub_team_leadership_hand_over(sub_team=sub_team, on=MARCH_1)
    handed = sub_team_leadership_hand_over(sub_team=sub_team, on=date(2026, 3, 31))

    assert handed is None, "nobody else is left in the rotation"
    assert leaders(sub_team) == [(first.pseudonym, MARCH_1, None)]


def test_a_hand_over_to_a_named_member_out_of_turn():
    sub_team, (_first, _second, third) = sub_team_with_members(3)
    sub_team_leadership_hand_over(sub_team=sub_team, on=MARCH_1)

    sub_team_leadership_hand_over(sub_team=sub_team, on=date(2026, 3, 5), to=third)

    assert leaders(sub_team)[-1] == (third.pseudonym, date(2026, 3, 5), None)


def test_a_hand_over_to_a_child_outside_the_sub_team_is_refused_and_changes_nothing():
    sub_team, _members = sub_team_with_members(2)
    sub_team_leadership_hand_over(sub_team=sub_team, on=MARCH_1)
    before = leaders(sub_team)
    outsider = MembershipFactory().child

    with pytest.raises(ValidationError):
        sub_team_leadership_hand_over(sub_team=sub_team, on=date(2026, 3, 5), to=outsider)

    assert leaders(sub_team) == before


def test_a_hand_over_dated_before_the_current_term_began_is_refused():
    sub_team, _members = sub_team_with_members(2)
    sub_team_leadership_hand_over(sub_team=sub_team, on=MARCH_1)

    with pytest.raises(ValidationError):
        sub_team_leadership_hand_over(sub_team=sub_team, on=date(2026, 2, 1))


def test_rotate_due_hands_over_only_where_the_term_has_ended():
    due, _members = sub_team_with_members(2, term_days=30)
    not_due, _others = sub_team_with_members(2, term_days=60)
    sub_team_leadership_hand_over(sub_team=due, on=MARCH_1)
    sub_team_leadership_hand_over(sub_team=not_due, on=MARCH_1)

    handed_over = sub_teams_rotate_due(today=date(2026, 3, 31))

    assert handed_over == 1
    assert len(leaders(due)) == 2
    assert len(leaders(not_due)) == 1


def test_rotate_due_starts_a_leader_where_a_sub_team_has_none():
    sub_team, (first, _second) = sub_team_with_members(2)

    assert sub_teams_rotate_due(today=MARCH_1) == 1
    assert leaders(sub_team) == [(first.pseudonym, MARCH_1, None)]


def test_rotate_due_twice_on_one_day_changes_nothing_the_second_time():
    sub_team, _members = sub_team_with_members(3)
    sub_team_leadership_hand_over(sub_team=sub_team, on=MARCH_1)

    sub_teams_rotate_due(today=date(2026, 4, 15))
    after_first = leaders(sub_team)
    assert sub_teams_rotate_due(today=date(2026, 4, 15)) == 0

    assert leaders(sub_team) == after_first
    assert after_first[-1][1] == date(2026, 4, 15), "a late hand-over starts the term today"


def test_the_periodic_task_starts_the_term_today():
    sub_team, (first, _second) = sub_team_with_members(2)

    assert rotate_sub_team_leaders.delay().get() == 1
    assert leaders(sub_team) == [(first.pseudonym, timezone.localdate(), None)]


def test_when_the_leader_leaves_the_turn_passes_to_the_next_place_not_back_to_the_first():
    sub_team, members = sub_team_with_members(5)
    for day in [date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 30)]:
        sub_team_leadership_hand_over(sub_team=sub_team, on=day)
    third = members[2]
    assert leaders(sub_team)[-1][0] == third.pseudonym

    membership_end(
        membership=Membership.objects.get(child=third, role="member"), on=date(2026, 5, 10)
    )
    sub_teams_rotate_due(today=date(2026, 5, 11))

    assert leaders(sub_team)[-1] == (members[3].pseudonym, date(2026, 5, 11), None)


def test_after_an_out_of_turn_leader_the_turn_passes_on_from_their_place():
    sub_team, members = sub_team_with_members(5)
    sub_team_leadership_hand_over(sub_team=sub_team, on=MARCH_1)
    sub_team_leadership_hand_over(sub_team=sub_team, on=date(2026, 3, 5), to=members[3])

    sub_team_leadership_hand_over(sub_team=sub_team, on=date(2026, 4, 4))

    assert leaders(sub_team)[-1][0] == members[4].pseudonym


def test_a_sub_team_that_cannot_rotate_does_not_hold_up_the_others(caplog):
    broken, (first, _second) = sub_team_with_members(2)
    due, (other, _) = sub_team_with_members(2)
    # A term ending in the future, left by an import that bypassed validation.
    Membership.objects.create(
        child=first,
        sub_team=broken,
        role=MembershipRole.LEADER,
        starts_on=date(2026, 3, 1),
        ends_on=timezone.localdate() + timedelta(days=5),
    )

    assert sub_teams_rotate_due(today=timezone.localdate()) == 1

    assert leaders(due)[0][0] == other.pseudonym
    assert f"sub-team {broken.pk}: leadership could not be rotated" in caplog.text


def test_a_membership_cannot_be_ended_in_advance():
    membership = MembershipFactory()

    with pytest.raises(ValidationError):
        membership_end(membership=membership, on=timezone.localdate() + timedelta(days=1))

    membership.refresh_from_db()
    assert membership.ends_on is None


def test_ending_a_leaders_membership_ends_the_leadership_too():
    sub_team, (first, _second) = sub_team_with_members(2)
    sub_team_leadership_hand_over(sub_team=sub_team, on=MARCH_1)

    membership_end(
        membership=Membership.objects.get(child=first, role="member"), on=date(2026, 3, 9)
    )

    assert leaders(sub_team) == [(first.pseudonym, MARCH_1, date(2026, 3, 9))]


def test_ending_a_membership_twice_is_refused():
    membership = MembershipFactory()
    membership_end(membership=membership, on=date(2026, 4, 1))

    with pytest.raises(ValidationError):
        membership_end(membership=membership, on=date(2026, 4, 2))
