"""The demo's activities, practice bases, discussion topics and programmes reproduce the
programme's figures (DESIGN.md section 4)."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum

from activities.models import (
    Activity,
    ActivityKind,
    DiscussionTopic,
    PracticeBase,
    PracticeBaseKind,
    PracticeBaseYear,
    Programme,
    ProgrammeFigure,
    TrainingSession,
)
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


def test_the_demo_has_100_bases_65000_at_emergency_safety_venues_33_topics_and_412_books():
    this_year = PracticeBaseYear.objects.filter(year=2026)
    yangliu = ObservationGroup.objects.get(
        level=GroupLevel.ALLIANCE_MEMBER, organisation__code="yangliujun"
    )
    yangliu_suggestions = Suggestion.objects.filter(group=yangliu)
    assert PracticeBase.objects.count() == 100
    assert this_year.count() == 100
    assert this_year.filter(base__kind=PracticeBaseKind.EMERGENCY_SAFETY).aggregate(
        n=Sum("participants")
    ) == {"n": 65_000}
    assert DiscussionTopic.objects.filter(group=yangliu).count() == 33
    assert set(DiscussionTopic.objects.values_list("partner__code", flat=True).distinct()) == {
        "zju",
        "zjut",
        "hznu",
        "bus-group",
    }
    assert yangliu_suggestions.count() == 12
    assert not yangliu_suggestions.annotate(topics=Count("discussion_topics")).filter(topics=0)
    books = ProgrammeFigure.objects.get(programme__code="shared-reading", name_en="books donated")
    assert books.value == 412
    assert Programme.objects.get(code="uniform-recycling").part_of.code == "talking-with-principal"
    assert Programme.objects.get(code="baozhi-journalists").run_by.code == "baochu"

    call_command("seed_demo", stdout=StringIO())  # again: the module's demo is seeded already

    assert PracticeBase.objects.count() == 100
    assert DiscussionTopic.objects.count() == 33


def test_the_demo_bases_include_a_few_expiring_soon_and_one_expired_at_the_end_of_2026():
    end_of_november = date(2026, 11, 28)

    expired = PracticeBase.objects.filter(expires_on__lt=end_of_november).count()
    soon = PracticeBase.objects.filter(
        expires_on__gte=end_of_november,
        expires_on__lte=end_of_november + timedelta(days=60),
    ).count()

    assert expired == 1
    assert 2 <= soon <= 5
    assert set(PracticeBase.objects.values_list("certified_on__year", flat=True)) <= {
        2024,
        2025,
        2026,
    }
