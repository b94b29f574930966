import pytest
from django.db.models import Count

from groups import selectors
from groups.models import ObservationGroup, SubTeam
from groups.services import sub_team_leadership_hand_over
from tests.groups.factories import (
    START,
    MentorFactory,
    MunicipalGroupFactory,
    SchoolFactory,
    alliance_with_members,
    sub_team_with_members,
)

pytestmark = pytest.mark.django_db


def led_sub_teams(count, members=3):
    teams = []
    for _ in range(count):
        sub_team, _children = sub_team_with_members(members)
        sub_team_leadership_hand_over(sub_team=sub_team, on=START)
        sub_team_leadership_hand_over(sub_team=sub_team, on=START.replace(month=4))
        teams.append(sub_team)
    return teams


def test_leadership_names_the_current_leader_the_next_one_and_the_handover_day():
    (sub_team,) = led_sub_teams(1)

    (loaded,) = selectors.sub_teams_with_leadership(SubTeam.objects.filter(pk=sub_team.pk))

    members = [row.child for row in loaded.rotation]
    assert loaded.leadership.current.child == members[1]
    assert loaded.leadership.next == members[2]
    assert loaded.leadership.handover_on == START.replace(month=5, day=1)
    assert loaded.member_count == 3


@pytest.mark.parametrize("count", [1, 7])
def test_sub_teams_with_leadership_takes_the_same_queries_for_any_number(
    django_assert_num_queries, count
):
    led_sub_teams(count)

    with django_assert_num_queries(3):
        sub_teams = selectors.sub_teams_with_leadership(history=False)
    with django_assert_num_queries(4):
        selectors.sub_teams_with_leadership(history=True)

    assert len(sub_teams) == count


@pytest.mark.parametrize("members", [2, 10])
def test_sub_team_detail_takes_the_same_queries_for_any_number_of_members(
    django_assert_num_queries, members
):
    (sub_team,) = led_sub_teams(1, members=members)
    MentorFactory(sub_teams=[sub_team])

    with django_assert_num_queries(6):
        detail = selectors.sub_team_detail(sub_team_id=sub_team.pk, history=True)
        [row.child.pseudonym for row in detail.current_members]
        [str(mentor) for mentor in detail.mentors.all()]
        [term.child.pseudonym for term in detail.leadership.previous]

    assert len(detail.current_members) == members
    assert [t.child for t in detail.leadership.previous] == [detail.rotation[0].child]


@pytest.mark.parametrize("hosts", [1, 6])
def test_alliance_overview_takes_the_same_queries_for_any_number_of_members(
    django_assert_num_queries, hosts
):
    alliance_with_members(*[SchoolFactory() for _ in range(hosts)], fostered=3)

    with django_assert_num_queries(3):
        (alliance,) = selectors.alliance_overview()
        rows = [
            (g.organisation.district.name, [f.name for f in g.fostered.all()])
            for g in alliance.members.all()
        ]

    assert len(rows) == hosts
    assert all(len(fostered) == 3 for _district, fostered in rows)


@pytest.mark.parametrize("count", [2, 5])
def test_municipal_group_parts_take_a_fixed_number_of_queries(django_assert_num_queries, count):
    teams = led_sub_teams(count)
    group = MunicipalGroupFactory()
    MentorFactory.create_batch(3, sub_teams=teams[:2])

    with django_assert_num_queries(7):
        parts = selectors.municipal_group_parts(group)
        [
            (m.user.display_name, [t.focus_area.name for t in m.sub_teams.all()])
            for m in parts["mentor_team"].mentors.all()
        ]

    assert len(parts["sub_teams"]) == count


def test_programme_figures_count_groups_by_level():
    alliance_with_members(SchoolFactory(), SchoolFactory(), fostered=4)
    MunicipalGroupFactory()

    figures = selectors.programme_figures()

    assert (figures["municipal"], figures["alliance_members"], figures["participation_orgs"]) == (
        1,
        2,
        8,
    )
    assert ObservationGroup.objects.aggregate(n=Count("pk"))["n"] == 11
