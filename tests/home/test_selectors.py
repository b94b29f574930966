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


# --- The child's and the guardian's homes: what needs them first, then their suggestions ---


def _suggestions_of(child, states):
    from tests.suggestions.factories import SuggestionFactory

    return [SuggestionFactory(child=child, state=state) for state in states]


def test_child_home_puts_answers_questions_and_drafts_first():
    from suggestions.models import Notification, NotificationKind
    from tests.groups.factories import ChildUserFactory

    child = ChildUserFactory().child
    done, asked, draft, _withdrawn = _suggestions_of(
        child, ["implemented", "returned", "draft", "withdrawn"]
    )
    Notification.objects.create(
        recipient=child.user, suggestion=done, kind=NotificationKind.ANSWERED
    )
    Notification.objects.create(recipient=child.user, suggestion=done, kind=NotificationKind.MOVED)

    home = home_for(child.user)

    assert [notice.suggestion for notice in home["answers"]] == [done]
    assert home["questions"] == [asked]
    assert home["drafts"] == [draft]
    assert set(home["cards"]) == {done, asked, draft}, "a withdrawn one is not a card"


def test_child_home_names_a_turn_as_leader_only_when_it_is_near():
    from datetime import timedelta
    from types import SimpleNamespace

    from django.utils import timezone

    from home.selectors import LEADER_TURN_AHEAD, _leader_turn

    child = object()
    today = timezone.localdate()

    def team(current=None, next_=None, handover_on=None):
        leadership = SimpleNamespace(current=current, next=next_, handover_on=handover_on)
        return SimpleNamespace(leadership=leadership)

    soon = today + LEADER_TURN_AHEAD
    later = soon + timedelta(days=1)
    assert _leader_turn(child, None) is None
    assert _leader_turn(child, team(SimpleNamespace(child=child), None, later)) == {
        "now": True,
        "until": later,
    }
    assert _leader_turn(child, team(None, child, soon)) == {"now": False, "starts": soon}
    assert _leader_turn(child, team(None, child, later)) is None


@pytest.mark.parametrize("count", [1, 6])
def test_child_home_takes_a_fixed_number_of_queries(django_assert_num_queries, count):
    _sub_team, (child, *_rest) = sub_team_with_members(2)
    user = UserFactory(role="child")
    child.user = user
    child.save()
    _suggestions_of(child, ["draft", "returned", "at_school"] * count)

    with django_assert_num_queries(12):
        home_for(user)


def test_guardian_home_shows_consent_photos_and_the_newest_suggestions():
    from datetime import date

    from tests.privacy.factories import child_with_guardian

    open_child, link = child_with_guardian(consent=True)
    closed_child = GuardianshipFactory(guardian=link.guardian).child
    type(link).objects.filter(pk=link.pk).update(photo_consent_on=date(2026, 3, 1))
    _suggestions_of(open_child, ["at_school"] * 5)

    home = home_for(link.guardian.user)

    first, second = home["children"]
    assert (first, second) == (open_child, closed_child)
    assert first.my_consent_in_force and first.consent_in_force
    assert not second.consent_in_force
    assert first.photo_consent_on == date(2026, 3, 1)
    assert second.photo_consent_on is None
    assert len(first.cards) == 3 and second.cards == []


@pytest.mark.parametrize("children", [1, 4])
def test_guardian_home_takes_a_fixed_number_of_queries(django_assert_num_queries, children):
    guardian = GuardianshipFactory().guardian
    for _ in range(children - 1):
        GuardianshipFactory(guardian=guardian)
    for child in guardian.children.all():
        _suggestions_of(child, ["at_school", "draft"])

    with django_assert_num_queries(6):
        home_for(guardian.user)
