"""The router sends a suggestion to the department of its place: the rule of its community,
else its street, else its district, else the city-wide one; by the child's school only when
no place is given; and it records why."""

import pytest
from django.utils import timezone

from places.models import Division, Place, PlaceKind
from places.services import place_save
from suggestions import services
from suggestions.models import Notification, RoutedBy, RoutingRule, StageChange, Suggestion
from suggestions.workflow import State
from tests.groups.factories import DepartmentFactory
from tests.suggestions.factories import route_pending

pytestmark = pytest.mark.django_db


def division(*names):
    """The division named by its district, street and community names (as far as given)."""
    found = None
    for name in names:
        found = Division.objects.select_related("parent__parent").get(name=name, parent=found)
    return found


BEILIN = ("西湖区", "北山街道", "宝石社区")  # a community of 北山街道, in 西湖区


def act(suggestion, action, user, **kwargs):
    return services.suggestion_transition(
        suggestion=Suggestion.objects.get(pk=suggestion.pk), action=action, user=user, **kwargs
    )


def forwarded(pipe, **place):
    """A suggestion about `place` (known_place, division), walked to the community and
    forwarded without naming a department; the router has not acted on it yet."""
    s = pipe.draft(**place)
    act(s, "submit", pipe.child_user)
    route_pending()
    act(s, "collect", pipe.school_staff)
    route_pending()
    act(s, "forward", pipe.community_staff)
    return s


def routed(pipe, **place):
    s = forwarded(pipe, **place)
    assert route_pending() == ["routed"]
    s = Suggestion.objects.get(pk=s.pk)
    change = s.history.get(action="route_to_department")
    return s, change


def rule(pipe, where, name):
    department = DepartmentFactory(name=name)
    RoutingRule.objects.create(focus_area=pipe.focus_area, division=where, department=department)
    return department


def school_in(pipe, where):
    return place_save(
        Place(
            kind=PlaceKind.SCHOOL,
            name=pipe.school.name,
            division=where,
            organisation=pipe.school,
        )
    )


def test_the_rule_of_the_smallest_division_of_the_place_wins(pipe):
    community = division(*BEILIN)
    street, district = community.parent, community.parent.parent
    by_community = rule(pipe, community, "宝石社区的部门")
    by_street = rule(pipe, street, "北山街道的部门")
    by_district = rule(pipe, district, "西湖区的部门")

    order = []
    for department in [by_community, by_street, by_district]:
        s, change = routed(pipe, division=community)
        order.append((s.owner, change.routed_by, change.routed_division))
        RoutingRule.objects.filter(department=department).delete()
    s, change = routed(pipe, division=community)
    order.append((s.owner, change.routed_by, change.routed_division))

    assert order == [
        (by_community, RoutedBy.PLACE, community),
        (by_street, RoutedBy.PLACE, street),
        (by_district, RoutedBy.PLACE, district),
        (pipe.department, RoutedBy.CITYWIDE, None),
    ]


def test_a_known_place_routes_by_its_division(pipe):
    park = place_save(Place(kind=PlaceKind.PARK, name="宝石山", division=division(*BEILIN[:2])))
    by_street = rule(pipe, park.division, "北山街道的部门")
    rule(pipe, division("西湖区", "西湖街道"), "西湖街道的部门")

    s, change = routed(pipe, known_place=park, division=park.division)

    assert (s.owner, change.routed_by, change.routed_division) == (
        by_street,
        RoutedBy.PLACE,
        park.division,
    )


def test_a_rule_of_another_division_does_not_match(pipe):
    rule(pipe, division("滨江区"), "滨江区的部门")

    s, change = routed(pipe, division=division(*BEILIN))

    assert (s.owner, change.routed_by) == (pipe.department, RoutedBy.CITYWIDE)


def test_without_a_place_the_childs_schools_division_routes_it(pipe):
    school_in(pipe, division("滨江区", "长河街道"))
    binjiang = rule(pipe, division("滨江区"), "滨江区的部门")
    rule(pipe, division("西湖区"), "西湖区的部门")

    s, change = routed(pipe)

    assert (s.owner, change.routed_by, change.routed_division) == (
        binjiang,
        RoutedBy.SCHOOL,
        division("滨江区"),
    )


def test_a_place_given_wins_over_the_childs_school(pipe):
    """Issue 19, done when: a child of a school in one district names a place in another; the
    router sends it to that district's department."""
    school_in(pipe, division("滨江区", "长河街道"))
    rule(pipe, division("滨江区"), "滨江区的部门")
    xihu = rule(pipe, division("西湖区"), "西湖区的部门")

    s, change = routed(pipe, division=division("西湖区", "西湖街道"))

    assert (s.owner, change.routed_by, change.routed_division) == (
        xihu,
        RoutedBy.PLACE,
        division("西湖区"),
    )


def test_a_school_without_a_known_place_leaves_only_the_citywide_rule(pipe):
    rule(pipe, division("滨江区"), "滨江区的部门")

    s, change = routed(pipe)  # its district organisation is named as no Hangzhou district

    assert (s.owner, change.routed_by, change.routed_division) == (
        pipe.department,
        RoutedBy.CITYWIDE,
        None,
    )


def test_the_department_the_community_asks_for_wins_over_the_place(pipe):
    rule(pipe, division(*BEILIN), "宝石社区的部门")
    s = pipe.draft(division=division(*BEILIN))
    act(s, "submit", pipe.child_user)
    route_pending()
    act(s, "collect", pipe.school_staff)
    route_pending()
    act(s, "forward", pipe.community_staff, department=pipe.other_department)
    route_pending()

    s = Suggestion.objects.get(pk=s.pk)
    change = s.history.get(action="route_to_department")
    assert (s.owner, change.routed_by, change.routed_division) == (
        pipe.other_department,
        RoutedBy.REQUESTED,
        None,
    )


def test_no_rule_for_the_place_flags_it_for_the_office_and_keeps_it(pipe):
    RoutingRule.objects.all().delete()
    rule(pipe, division("滨江区"), "滨江区的部门")
    s = forwarded(pipe, division=division(*BEILIN))

    assert route_pending() == ["flagged"]

    s = Suggestion.objects.get(pk=s.pk)
    assert (s.state, s.needs_admin, s.owner) == (State.FORWARDED, True, None)
    assert Notification.objects.filter(recipient=pipe.admin, kind="needs_admin").exists()


def test_the_school_and_community_stages_follow_the_childs_school_wherever_the_place_is(pipe):
    school_in(pipe, division("滨江区", "长河街道"))
    s = pipe.draft(division=division(*BEILIN))
    act(s, "submit", pipe.child_user)
    route_pending()
    assert Suggestion.objects.get(pk=s.pk).owner == pipe.school
    act(s, "collect", pipe.school_staff)
    route_pending()

    assert Suggestion.objects.get(pk=s.pk).owner == pipe.community
    assert not StageChange.objects.filter(suggestion=s).exclude(routed_by="").exists()


def test_routing_by_place_takes_a_fixed_number_of_queries(pipe, django_assert_num_queries):
    community = division(*BEILIN)
    rule(pipe, community.parent, "北山街道的部门")
    s = forwarded(pipe, division=community)
    job = s.routing_jobs.get(done_at=None)

    # The savepoint; the job; the suggestion with its place and the divisions it lies in (one
    # query); the job done; the rules of the whole lineage (one query); the deadline; the audit
    # trail's read and row, the save, the version, the change; the department's staff, the
    # child and guardians, their notices; for each of the two, their message preferences and
    # their notices recorded in the outbox's inbox channel (issue 20); the release.
    with django_assert_num_queries(18):
        assert services.suggestion_route(job_id=job.pk) == "routed"
    assert Suggestion.objects.get(pk=s.pk).stage_started_at <= timezone.now()


def test_a_school_placed_by_no_office_is_routed_by_its_districts_name_as_before(pipe):
    """Every school of a server that had no places yet: its district organisation's name."""
    district = pipe.school.district
    district.name = "滨江区"
    district.save()
    binjiang = rule(pipe, division("滨江区"), "滨江区的部门")

    s, change = routed(pipe)

    assert (s.owner, change.routed_by, change.routed_division) == (
        binjiang,
        RoutedBy.SCHOOL,
        division("滨江区"),
    )
