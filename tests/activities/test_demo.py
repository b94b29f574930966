"""The demo's activities reproduce the programme's figures (DESIGN.md section 4)."""

import pytest
from django.db.models import Sum

from activities.models import Activity, ActivityKind, TrainingSession
from groups.models import GroupLevel, ObservationGroup
from suggestions.models import Suggestion

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_demo")]


def test_the_demo_has_7_training_sessions_and_401_activities_by_the_alliance():
    alliance_levels = [GroupLevel.ALLIANCE_MEMBER, GroupLevel.PARTICIPATION_ORG]

    assert TrainingSession.objects.count() == 7
    assert Activity.objects.filter(group__level__in=alliance_levels).count() == 401


def test_the_demo_has_over_1000_safety_outreach_activities_reaching_21500_children():
    outreach = Activity.objects.filter(kind=ActivityKind.SAFETY_OUTREACH)

    assert outreach.count() > 1000
    assert outreach.aggregate(children=Sum("children_count"))["children"] == 21500


def test_each_of_yangliujuns_12_suggestions_came_out_of_one_of_its_activities():
    yangliu = ObservationGroup.objects.get(
        level=GroupLevel.ALLIANCE_MEMBER, organisation__code="yangliujun"
    )
    suggestions = Suggestion.objects.filter(group=yangliu)

    assert suggestions.count() == 12
    for suggestion in suggestions:
        assert suggestion.activities.filter(group=yangliu).exists()


def test_the_municipal_group_has_upcoming_activities_and_named_attendance():
    from django.utils import timezone

    municipal = Activity.objects.filter(group__level=GroupLevel.MUNICIPAL).exclude(
        kind=ActivityKind.SAFETY_OUTREACH
    )

    assert municipal.filter(starts_at__gt=timezone.now()).exists()
    assert municipal.filter(attendees__isnull=False).exists()
    assert municipal.filter(suggestions__isnull=False).exists()
