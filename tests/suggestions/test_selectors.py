import pytest

from groups.models import Role
from suggestions.models import Suggestion
from suggestions.selectors import visible_to
from suggestions.workflow import State
from tests.groups.factories import (
    ChildFactory,
    GuardianshipFactory,
    MembershipFactory,
    MentorFactory,
    UserFactory,
)
from tests.suggestions.factories import Pipeline, SuggestionFactory, route_pending
from tests.suggestions.test_services import act, at, refresh

pytestmark = pytest.mark.django_db


def test_the_bulk_visibility_query_agrees_with_the_permission_rule_for_every_role():
    first = Pipeline()
    first.child.pseudonym = "小红鹿"  # Pipeline names its child 小白鹭, once
    first.child.save()
    second = Pipeline()
    drafts = [first.draft(), second.draft()]
    on_the_way = [at(first, State.AT_COMMUNITY), at(second, State.AT_DEPARTMENT)]
    # A schoolmate's suggestion merged into one of the second child's: the schoolmate and
    # their guardian follow the one that goes on.
    schoolmate = ChildFactory(
        school=second.school, community=second.community, user=UserFactory(role=Role.CHILD)
    )
    merged = SuggestionFactory(child=schoolmate, focus_area=second.focus_area)
    act(merged, "submit", schoolmate.user)
    route_pending()
    act(refresh(merged), "merge", second.school_staff, merged_into=at(second, State.AT_SCHOOL))
    schoolmates_guardian = GuardianshipFactory(child=schoolmate).guardian.user
    membership = MembershipFactory(child=first.child)
    mentor = MentorFactory(sub_teams=[membership.sub_team]).user
    guardian = GuardianshipFactory(child=second.child).guardian.user
    users = [
        first.admin,
        first.child_user,
        second.child_user,
        first.school_staff,
        second.school_staff,
        first.community_staff,
        first.department_staff,
        first.other_department_staff,
        mentor,
        MentorFactory().user,
        guardian,
        schoolmate.user,
        schoolmates_guardian,
        UserFactory(role=Role.GUARDIAN),
        UserFactory(role=Role.CHILD),
    ]
    everything = Suggestion.objects.all()
    assert len(drafts + on_the_way) + 2 <= everything.count()

    for user in users:
        by_rule = {s.pk for s in everything if user.has_perm("suggestions.see_suggestion", s)}
        assert set(visible_to(user, everything).values_list("pk", flat=True)) == by_rule, user
