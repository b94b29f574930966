"""The figures of a year: the demo's report shows DESIGN.md section 4, in a fixed number of
queries; small counts of children are hidden outside the office."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from activities.models import PracticeBaseKind, TrainingSession
from reports.figures import suppressed, year_figures
from tests.activities.factories import base_with_participants
from tests.activities.test_activities import log
from tests.groups.factories import (
    MentorFactory,
    SchoolFactory,
    alliance_with_members,
    sub_team_with_members,
)

pytestmark = pytest.mark.django_db


def rows(figures, key):
    return {str(row[0]): row[1:] for row in figures.table(key).rows}


def test_the_demo_report_shows_every_figure_of_the_design():
    """DESIGN.md section 4, figure by figure (one test: seeding the demo is the slow part)."""
    call_command("seed_demo", verbosity=0)
    with translation.override("en"):
        figures = year_figures(2026)
    headline = figures.headline
    groups = rows(figures, "groups")
    outcomes = rows(figures, "outcomes")
    programmes = rows(figures, "programmes")

    assert groups["Municipal observation group"] == [1]
    assert headline["children"] == 70
    assert groups["Sub-teams of the municipal group"] == [7]
    assert headline["training"] == 7
    assert groups["Alliance member group"] == [26]
    assert groups["Child participation organisation"] == [212]
    assert headline["alliance_activities"] == 401
    assert headline["suggestions"] > 500
    assert headline["discussion_topics"] == 33
    yangliu = rows(figures, "suggestions_by_group")
    assert yangliu["Yangliujun Community Children's Observation Group"][0] == 12
    assert outcomes["个儿童停车场"][0] == Decimal(175)
    assert headline["practice_bases"] == 100
    assert headline["emergency_safety_participants"] == 65000
    assert headline["safety_outreach"] > 1000
    assert headline["safety_outreach_children"] == 21500
    assert outcomes["名学生午休"][0] == Decimal(190000)
    assert outcomes["条知识公交线路"][0] == Decimal(717)
    assert "books donated: 412" in programmes["Mutual Support for Shared Reading"][2]
    # And the days at each desk have a median and a 90th percentile.
    entered, left, median, p90, on_time, overdue, share = rows(figures, "stage_times")[
        "At the school"
    ]
    assert entered >= left > 0
    assert Decimal(0) < median <= p90
    assert share == (Decimal(100) * on_time / (on_time + overdue)).quantize(Decimal("0.1"))


def test_the_headline_gives_the_figures_of_the_tables_by_name():
    """Groups by level, training sessions and hours, practice bases: the same numbers as the
    tables show, under the same names and in the same order (the API gives them as they are)."""
    sub_team, _children = sub_team_with_members(3)
    alliance_with_members(SchoolFactory(), fostered=2)
    mentor = MentorFactory(sub_teams=[sub_team])
    today = timezone.localdate()
    for hours in (Decimal("1.5"), Decimal("2.0")):
        session = TrainingSession.objects.create(
            held_on=today, topic="安全", hours=hours, logged_by=mentor.user
        )
        session.sub_teams.add(sub_team)
    base_with_participants(300, kind=PracticeBaseKind.EMERGENCY_SAFETY)
    base_with_participants(40)

    with translation.override("en"):
        figures = year_figures(today.year)
        public = year_figures(today.year, public=True)

    assert list(figures.headline) == [
        "children", "municipal_groups", "alliance_groups", "participation_orgs", "training",
        "training_hours", "activities", "alliance_activities", "safety_outreach",
        "safety_outreach_children", "suggestions", "implemented", "voices",
        "suggestions_with_voices", "practice_bases",
        "emergency_safety_participants", "discussion_topics",
    ]  # fmt: skip
    assert {key: figures.headline[key] for key in list(figures.headline)[1:6]} == {
        "municipal_groups": 1,
        "alliance_groups": 1,
        "participation_orgs": 2,
        "training": 2,
        "training_hours": Decimal("3.5"),
    }
    assert rows(figures, "training")["Hours"] == [Decimal("3.5")]
    assert figures.headline["practice_bases"] == 2
    assert figures.headline["emergency_safety_participants"] == 300
    assert list(public.headline) == list(figures.headline)
    assert (public.headline["training"], public.headline["training_hours"]) == (None, None)


def test_the_figures_take_the_same_number_of_queries_for_a_small_and_a_large_year():
    sub_team, children = sub_team_with_members(3)
    team = (sub_team, children, MentorFactory(sub_teams=[sub_team]).user)
    log(team)
    with CaptureQueriesContext(connection) as small:
        year_figures(timezone.localdate().year)
    for n in range(20):
        log(team, title=f"活动{n}", starts_at=timezone.now() - timedelta(days=n + 2))

    with CaptureQueriesContext(connection) as large:
        year_figures(timezone.localdate().year)

    assert len(small) == len(large)


def test_a_year_with_no_records_is_empty_but_complete():
    with translation.override("en"):
        figures = year_figures(2021)

    assert figures.empty
    assert rows(figures, "groups")["Sub-teams of the municipal group"] == [0]
    assert figures.table("activities_by_kind").rows == []


def test_a_table_by_month_or_desk_lists_each_one_and_a_table_by_state_only_those_used():
    from tests.suggestions.factories import SuggestionFactory

    sub_team, children = sub_team_with_members(3)
    log((sub_team, children, MentorFactory(sub_teams=[sub_team]).user))
    SuggestionFactory(state="at_school", submitted_at=timezone.now())
    today = timezone.localdate()

    with translation.override("en"):
        figures = year_figures(today.year)

    by_month = rows(figures, "activities_by_month")
    assert len(by_month) == 12
    assert sum(activities for activities, _children in by_month.values()) == 1
    assert rows(figures, "suggestions_by_state") == {"At the school": [1]}
    assert figures.table("suggestions_by_state").row_keys == ["at_school"]
    by_desk = figures.table("suggestions_by_stage")
    assert by_desk.row_keys == ["at_school", "at_community", "at_department", "in_progress"]
    assert [row[1:] for row in by_desk.rows] == [[1, 0], [0, 0], [0, 0], [0, 0]]


def test_counts_of_fewer_than_five_children_are_hidden_once_suppressed():
    sub_team, children = sub_team_with_members(3)
    team = (sub_team, children, MentorFactory(sub_teams=[sub_team]).user)
    log(team, children_count=3, attendees=children[:2])
    year = timezone.localdate().year

    with translation.override("en"):
        office = year_figures(year)
    public = suppressed(office)

    assert rows(office, "activities_by_kind")["Round table"][1] == 3
    assert rows(public, "activities_by_kind")["Round table"][1] == "<5"
    assert rows(public, "activities_by_kind")["Round table"][0] == 1, "activities are not children"


def test_the_headline_hides_a_small_number_of_children_too():
    sub_team, children = sub_team_with_members(3)
    team = (sub_team, children, MentorFactory(sub_teams=[sub_team]).user)
    log(team, kind="safety_outreach", children_count=3, attendees=[])

    public = suppressed(year_figures(timezone.localdate().year))

    assert public.headline["safety_outreach_children"] == "<5"
    assert public.headline["children"] == "<5"


def _stay(suggestion, entered, days, due_days=7):
    """A stage at the school entered at `entered` and left `days` later."""
    from suggestions.models import StageChange

    StageChange.objects.create(
        suggestion=suggestion, action="route", from_state="submitted", to_state="at_school",
        due_at=entered + timedelta(days=due_days),
    )  # fmt: skip
    StageChange.objects.create(
        suggestion=suggestion, action="collect", from_state="at_school", to_state="collected"
    )
    changes = suggestion.history.order_by("pk")
    first, second = list(changes)[-2:]
    StageChange.objects.filter(pk=first.pk).update(created_at=entered)
    StageChange.objects.filter(pk=second.pk).update(created_at=entered + timedelta(days=days))


def test_days_at_a_desk_are_the_nearest_rank_median_and_90th_percentile_of_the_year():
    from datetime import datetime

    from tests.suggestions.factories import SuggestionFactory

    zone = timezone.get_default_timezone()
    # Ten stays of 1 to 10 days, entered in the year's first hour in Hangzhou (still the
    # previous year in UTC); one more entered in the last hour of the year before.
    for days in range(1, 11):
        _stay(SuggestionFactory(), datetime(2024, 1, 1, 0, 30, tzinfo=zone), days)
    _stay(SuggestionFactory(), datetime(2023, 12, 31, 23, 30, tzinfo=zone), 100)

    with translation.override("en"):
        figures = year_figures(2024)
    entered, left, median, p90, on_time, overdue, share = rows(figures, "stage_times")[
        "At the school"
    ]

    assert (entered, left) == (10, 10)
    assert (median, p90) == (Decimal("5.0"), Decimal("9.0"))
    assert (on_time, overdue) == (7, 3), "7 of 10 left within the 7 days"
    assert share == Decimal("70.0")


def test_on_time_and_overdue_count_the_same_stays_so_they_agree():
    """Two left by the deadline, one left after it, one still there past it, one still there
    within it (neither yet): 2 on time, 2 overdue, 50 %."""
    from suggestions.models import StageChange
    from tests.suggestions.factories import SuggestionFactory

    entered = timezone.now() - timedelta(days=20)
    _stay(SuggestionFactory(), entered, 2)
    _stay(SuggestionFactory(), entered, 6)
    _stay(SuggestionFactory(), entered, 9)
    for due_days in (7, 30):
        stuck = StageChange.objects.create(
            suggestion=SuggestionFactory(), action="route", from_state="submitted",
            to_state="at_school", due_at=entered + timedelta(days=due_days),
        )  # fmt: skip
        StageChange.objects.filter(pk=stuck.pk).update(created_at=entered)

    with translation.override("en"):
        figures = year_figures(entered.year)
    entered_n, left, _median, _p90, on_time, overdue, share = rows(figures, "stage_times")[
        "At the school"
    ]

    assert (entered_n, left) == (5, 3)
    assert (on_time, overdue, share) == (2, 2, Decimal("50.0"))
    assert "Overdue: left after its deadline, or still there past it." in (
        figures.table("stage_times").note
    )


def test_the_days_at_each_desk_chart_draws_days_not_how_many_entered():
    from tests.suggestions.factories import SuggestionFactory

    entered = timezone.now() - timedelta(days=20)
    _stay(SuggestionFactory(), entered, 4)
    with translation.override("en"):
        table = year_figures(entered.year).table("stage_times")

    labels, series = table.chart_series()

    assert [name for name, _values in series] == ["Median days", "90th percentile days"]
    assert labels[0] == "At the school"
    assert series[0][1][0] == series[1][1][0] == 4.0
