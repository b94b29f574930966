"""The owner corrects where a suggestion is: the community before it forwards it, the department
before it says yes. Recorded with who, when, from where to where and why; at the department a
place of another department's rules sends it there. And the staff page says why the router
chose the department."""

import html

import pytest
from django.core.exceptions import ValidationError

from groups.models import Role
from hangzhou_cfc.errors import NotAllowed
from places.models import Division, Place, PlaceKind
from places.services import place_save
from suggestions import services
from suggestions.models import PlaceCorrection, RoutedBy, RoutingRule, Suggestion
from suggestions.workflow import State
from tests.groups.factories import DepartmentFactory, StaffFactory, UserFactory
from tests.helpers import url
from tests.suggestions.factories import Pipeline, route_pending

pytestmark = pytest.mark.django_db


def division(*names):
    found = None
    for name in names:
        found = Division.objects.select_related("parent__parent").get(name=name, parent=found)
    return found


class World(Pipeline):
    """The pipeline's child goes to a school in Binjiang; Xihu and Binjiang have departments
    of their own for the focus area; the city-wide rule takes the rest."""

    def __init__(self):
        super().__init__()
        self.binjiang = division("滨江区")
        self.xihu = division("西湖区")
        self.xihu_street = division("西湖区", "西湖街道")
        self.school_place = place_save(
            Place(
                kind=PlaceKind.SCHOOL,
                name=self.school.name,
                division=division("滨江区", "长河街道"),
                organisation=self.school,
            )
        )
        self.binjiang_department = DepartmentFactory(name="滨江区城管局", name_en="Binjiang Bureau")
        self.xihu_department = DepartmentFactory(name="西湖区城管局", name_en="Xihu Bureau")
        for where, department in [
            (self.binjiang, self.binjiang_department),
            (self.xihu, self.xihu_department),
        ]:
            RoutingRule.objects.create(
                focus_area=self.focus_area, division=where, department=department
            )
        self.binjiang_staff = StaffFactory(
            organisation=self.binjiang_department, user__role=Role.DEPARTMENT
        ).user
        self.xihu_staff = StaffFactory(
            organisation=self.xihu_department, user__role=Role.DEPARTMENT
        ).user
        self.park = place_save(
            Place(kind=PlaceKind.PARK, name="太子湾公园", division=self.xihu_street)
        )


@pytest.fixture
def world():
    return World()


def act(suggestion, action, user, **kwargs):
    return services.suggestion_transition(
        suggestion=Suggestion.objects.get(pk=suggestion.pk), action=action, user=user, **kwargs
    )


def refresh(suggestion):
    return Suggestion.objects.get(pk=suggestion.pk)


def at(world, state, **place):
    s = world.draft(**place)
    act(s, "submit", world.child_user)
    route_pending()
    act(s, "collect", world.school_staff)
    route_pending()
    if state == State.AT_COMMUNITY:
        return refresh(s)
    act(s, "forward", world.community_staff)
    route_pending()
    s = refresh(s)
    if state == State.AT_DEPARTMENT:
        return s
    owner_staff = world.binjiang_staff if s.owner == world.binjiang_department else world.xihu_staff
    act(s, "accept", owner_staff, planned_on=s.due_at.date())
    return refresh(s)


def correct(suggestion, user, **kwargs):
    return services.suggestion_place_correct(
        suggestion=suggestion,
        user=user,
        reason=kwargs.pop("reason", "孩子说的是西湖边的太子湾公园，不是学校门口。"),
        **kwargs,
    )


def nothing_written(suggestion, before):
    after = refresh(suggestion)
    assert (after.known_place_id, after.division_id, after.version, after.state) == before
    assert not PlaceCorrection.objects.exists()


def snapshot(suggestion):
    s = refresh(suggestion)
    return (s.known_place_id, s.division_id, s.version, s.state)


# --- Routing by the place, and the staff page saying why -------------------------------------


def test_a_child_of_a_binjiang_school_reporting_at_west_lake_reaches_xihus_department(
    client, world
):
    """Issue 19, done when: the router sends it to the other district's department, and the
    department's page says why."""
    s = at(world, State.AT_DEPARTMENT, known_place=world.park, division=world.xihu_street)

    assert s.owner == world.xihu_department
    change = s.history.get(action="route_to_department")
    assert (change.routed_by, change.routed_division) == (RoutedBy.PLACE, world.xihu)
    client.force_login(world.xihu_staff)
    english = html.unescape(client.get(url("suggestion_detail", pk=s.pk)).text)
    chinese = html.unescape(client.get(url("suggestion_detail", "zh-hans", pk=s.pk)).text)
    assert "Routed to Xihu Bureau because the place is in Xihu District." in english
    assert "因为地点在西湖区，转给了西湖区城管局。" in chinese
    assert "太子湾公园 · 西湖区 · 西湖街道" in chinese


@pytest.mark.parametrize(
    ("how", "english", "chinese"),
    [
        (
            "school",
            "Routed to Binjiang Bureau because the child's school is in Binjiang District "
            "(no place given).",
            "没有写地点，孩子的学校在滨江区，所以转给了滨江区城管局。",
        ),
        (
            "citywide",
            "Routed to 杭州市交通运输局 by the city-wide rule.",
            "按全市通用的规则，转给了杭州市交通运输局。",
        ),
        (
            "requested",
            "Routed to 杭州市园林文物局 as the community asked.",
            "按社区的要求，转给了杭州市园林文物局。",
        ),
    ],
)
def test_the_staff_page_says_why_in_both_languages(client, world, how, english, chinese):
    s = world.draft(**({"division": division("上城区")} if how == "citywide" else {}))
    act(s, "submit", world.child_user)
    route_pending()
    act(s, "collect", world.school_staff)
    route_pending()
    requested = world.other_department if how == "requested" else None
    act(s, "forward", world.community_staff, department=requested)
    route_pending()
    client.force_login(world.admin)

    assert english in html.unescape(client.get(url("suggestion_detail", pk=s.pk)).text)
    assert chinese in html.unescape(client.get(url("suggestion_detail", "zh-hans", pk=s.pk)).text)


def test_the_child_and_guardian_pages_do_not_say_why(client, world):
    s = at(world, State.AT_DEPARTMENT, known_place=world.park, division=world.xihu_street)
    client.force_login(world.child_user)

    page = html.unescape(client.get(url("suggestion_detail", pk=s.pk)).text)

    assert "Routed to" not in page and 'id="place"' not in page
    assert "Correct the place" not in page


# --- Correcting the place ---------------------------------------------------------------------


def test_the_community_corrects_the_place_and_the_department_is_chosen_by_the_new_one(world):
    s = at(world, State.AT_COMMUNITY, division=world.binjiang)

    correction = correct(s, world.community_staff, known_place=world.park)

    s = refresh(s)
    assert (s.known_place, s.division, s.state) == (
        world.park,
        world.xihu_street,
        State.AT_COMMUNITY,
    )
    assert (
        correction.actor,
        correction.organisation,
        correction.state,
        correction.from_division,
        correction.from_known_place,
        correction.to_known_place,
        correction.to_division,
        correction.rerouted,
    ) == (
        world.community_staff,
        world.community,
        State.AT_COMMUNITY,
        world.binjiang,
        None,
        world.park,
        world.xihu_street,
        False,
    )
    act(s, "forward", world.community_staff)
    route_pending()
    assert refresh(s).owner == world.xihu_department


def test_the_department_corrects_to_another_departments_place_and_it_is_sent_there(world):
    s = at(world, State.AT_DEPARTMENT)
    assert s.owner == world.binjiang_department  # by the school: no place given

    correction = correct(s, world.binjiang_staff, division=world.xihu_street)

    assert correction.rerouted
    s = refresh(s)
    assert (s.state, s.owner, s.division) == (State.REFERRED, None, world.xihu_street)
    refer = s.history.get(action="refer")
    assert (refer.actor, refer.note) == (world.binjiang_staff, correction.reason)
    assert route_pending() == ["routed"]
    s = refresh(s)
    assert (s.state, s.owner) == (State.AT_DEPARTMENT, world.xihu_department)
    change = s.history.filter(action="route_to_department").last()
    assert (change.routed_by, change.routed_division) == (RoutedBy.PLACE, world.xihu)


def test_a_department_named_by_the_community_gives_way_to_the_corrected_place(world):
    s = at(world, State.AT_COMMUNITY)
    act(s, "forward", world.community_staff, department=world.binjiang_department)
    route_pending()

    correct(refresh(s), world.binjiang_staff, known_place=world.park)
    route_pending()

    assert refresh(s).owner == world.xihu_department


def test_the_department_corrects_to_a_place_of_its_own_and_keeps_it(world):
    s = at(world, State.AT_DEPARTMENT, division=world.xihu)

    correction = correct(s, world.xihu_staff, known_place=world.park)

    after = refresh(s)
    assert not correction.rerouted
    assert (after.state, after.owner, after.known_place) == (
        State.AT_DEPARTMENT,
        world.xihu_department,
        world.park,
    )
    assert after.version == s.version + 1, "a form opened before is stale"
    assert not after.history.filter(action="refer").exists()


def test_the_correction_is_on_the_staff_timeline_and_not_on_the_childs(client, world):
    s = at(world, State.AT_DEPARTMENT)
    correct(s, world.binjiang_staff, division=world.xihu_street, reason="地点写错了，在西湖边")
    route_pending()

    client.force_login(world.xihu_staff)
    staff_page = html.unescape(client.get(url("suggestion_detail", pk=s.pk)).text)
    client.force_login(world.child_user)
    child_page = html.unescape(client.get(url("suggestion_detail", pk=s.pk)).text)

    assert "corrected the place from no place to Xihu District · Xihu Subdistrict" in staff_page
    assert "地点写错了，在西湖边" in staff_page
    assert "corrected the place" not in child_page
    assert "地点写错了" not in child_page


@pytest.mark.parametrize("state", [State.AT_COMMUNITY, State.AT_DEPARTMENT, State.IN_PROGRESS])
def test_who_may_correct_the_place(world, state):
    s = at(world, state)
    others = UserFactory(role=Role.ADMIN), world.child_user, world.school_staff
    may = {
        State.AT_COMMUNITY: world.community_staff,
        State.AT_DEPARTMENT: world.binjiang_staff,
        State.IN_PROGRESS: None,
    }[state]
    everyone = [*others, world.community_staff, world.binjiang_staff, world.xihu_staff]

    allowed = [user for user in everyone if user.has_perm("suggestions.correct_place", s)]

    assert allowed == ([may] if may else [])
    for user in everyone:
        if user != may:
            before = snapshot(s)
            with pytest.raises(NotAllowed):
                correct(s, user, division=world.xihu)
            nothing_written(s, before)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"reason": "  "}, "Say why you correct the place."),
        ({}, "Choose a known place or a division."),
        ({"retired": True}, "This place is no longer on the list."),
        ({"same": True}, "The suggestion is there already"),
    ],
)
def test_bad_corrections_are_refused_and_nothing_is_written(world, in_english, given, message):
    s = at(world, State.AT_COMMUNITY, known_place=world.park, division=world.xihu_street)
    kwargs = {"reason": given.get("reason", "写错了")}
    if given.get("retired"):
        kwargs["known_place"] = place_save(
            Place(kind=PlaceKind.PARK, name="旧公园", division=world.xihu, retired=True)
        )
    elif given.get("same"):
        kwargs["known_place"] = world.park
    elif "reason" in given:
        kwargs["division"] = world.xihu
    before = snapshot(s)

    with pytest.raises(ValidationError) as refused:
        services.suggestion_place_correct(suggestion=s, user=world.community_staff, **kwargs)

    assert message in " ".join(refused.value.messages)
    nothing_written(s, before)


def test_a_stale_correction_is_refused(world):
    s = at(world, State.AT_COMMUNITY)
    before = snapshot(s)

    with pytest.raises(services.StaleSuggestion):
        correct(s, world.community_staff, division=world.xihu, expected_version=s.version - 1)
    nothing_written(s, before)


# --- The page's form ----------------------------------------------------------------------------


def post(client, s, **data):
    fields = {"version": refresh(s).version, "q": "", "reason": "写错了", **data}
    return client.post(
        url("suggestion_place_correct", pk=s.pk), {f"place-{k}": v for k, v in fields.items()}
    )


def test_the_form_finds_places_and_divisions_and_corrects_the_place(client, world):
    s = at(world, State.AT_COMMUNITY)
    client.force_login(world.community_staff)

    found = html.unescape(client.get(url("suggestion_detail", pk=s.pk) + "?where=太子湾").text)
    division_found = client.get(url("suggestion_detail", pk=s.pk) + "?where=西湖街道").text
    response = post(client, s, where=f"place-{world.park.pk}")

    assert f'value="place-{world.park.pk}"' in found
    assert "太子湾公园 (Xihu District · Xihu Subdistrict)" in found
    assert f'value="division-{world.xihu_street.pk}"' in division_found
    assert response.status_code == 302
    assert refresh(s).known_place == world.park


def test_a_department_correction_that_reroutes_goes_back_to_the_inbox(client, world):
    s = at(world, State.AT_DEPARTMENT)
    client.force_login(world.binjiang_staff)

    response = post(client, s, where=f"division-{world.xihu.pk}")

    assert response.status_code == 302 and response.url == url("inbox")
    assert refresh(s).state == State.REFERRED


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"where": "place-999999"}, "This place is not on the list."),
        ({"where": "division-999999"}, "This place is not on the list."),
        ({"where": "division-99999999999999999999999"}, "This place is not on the list."),
        ({"where": "somewhere"}, "This place is not on the list."),
        ({"where": "place-²"}, "This place is not on the list."),
        ({"where": ""}, "Choose a known place or a division."),
        ({"reason": ""}, "Say why you correct the place."),
        ({"retired": True}, "This place is no longer on the list."),
    ],
)
def test_the_form_refuses_bad_input_with_a_message_and_keeps_what_was_typed(
    client, world, data, message
):
    s = at(world, State.AT_COMMUNITY)
    if data.pop("retired", False):
        old = place_save(
            Place(kind=PlaceKind.PARK, name="旧公园", division=world.xihu, retired=True)
        )
        data["where"] = f"place-{old.pk}"
    data = {"where": f"division-{world.xihu.pk}", "reason": "孩子写的是西湖边", **data}
    before = snapshot(s)
    client.force_login(world.community_staff)

    response = post(client, s, **data)

    page = html.unescape(response.text)
    assert response.status_code == 200
    assert message in page
    if data["reason"]:
        assert data["reason"] in page
    nothing_written(s, before)


def test_a_stale_form_says_so_and_keeps_the_reason(client, world):
    s = at(world, State.AT_COMMUNITY)
    client.force_login(world.community_staff)
    version = refresh(s).version
    correct(s, world.community_staff, division=world.binjiang)

    response = post(client, s, version=version, where=f"division-{world.xihu.pk}", reason="再改")

    assert response.status_code == 409
    page = html.unescape(response.text)
    assert "Someone else moved this suggestion while you had it open" in page
    assert "再改" in page
    assert PlaceCorrection.objects.count() == 1


def test_staff_who_no_longer_own_it_cannot_correct_it(client, world):
    s = at(world, State.AT_DEPARTMENT)
    client.force_login(world.community_staff)

    response = post(client, s, where=f"division-{world.xihu.pk}")

    assert response.status_code == 403
    assert not PlaceCorrection.objects.exists()


# --- Query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("corrections", [1, 4])
def test_the_staff_page_takes_a_fixed_number_of_queries(
    client, world, corrections, django_assert_num_queries
):
    s = at(world, State.AT_DEPARTMENT, division=world.xihu)
    for n in range(corrections):
        correct(s, world.xihu_staff, division=[world.xihu_street, world.xihu][n % 2])
    client.force_login(world.xihu_staff)
    page = url("suggestion_detail", pk=s.pk)
    client.get(page)  # the session and the language settle on the first request

    with django_assert_num_queries(STAFF_PAGE_QUERIES):
        response = client.get(page)
    with django_assert_num_queries(STAFF_PAGE_QUERIES + 1):  # the search
        client.get(page + "?where=西湖")

    assert response.text.count('class="place-correction"') == corrections


# The child's page (CHILD_PAGE_QUERIES); who may see it (the guardianship check, the staff
# member); the menu's organisation; and two of this issue's: the corrections of the place and
# the known places near it, offered by the form (a search asks for the divisions too).
STAFF_PAGE_QUERIES = 16


@pytest.mark.parametrize("count", [1, 5])
def test_a_departments_inbox_says_why_each_is_there_in_a_fixed_number_of_queries(
    client, world, count, django_assert_num_queries
):
    for _ in range(count):
        at(world, State.AT_DEPARTMENT, known_place=world.park, division=world.xihu_street)
    client.force_login(world.xihu_staff)
    client.get(url("inbox"))  # the session and the language settle on the first request

    # As a school's inbox (test_views), and the moves to a department of the page's rows.
    with django_assert_num_queries(9):
        response = client.get(url("inbox"))

    page = html.unescape(response.text)
    assert page.count("Routed to Xihu Bureau because the place is in Xihu District.") == count


def test_the_admin_shows_the_corrections_and_why_it_was_routed(admin_client, world, in_english):
    from django.urls import reverse

    s = at(world, State.AT_DEPARTMENT)
    correct(s, world.binjiang_staff, known_place=world.park, reason="在西湖边")
    route_pending()

    page = admin_client.get(
        reverse("admin:suggestions_suggestion_change", args=[s.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    rules = admin_client.get(
        reverse("admin:suggestions_routingrule_changelist") + "?q=西湖", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "在西湖边" in text
    assert "太子湾公园 · Xihu District · Xihu Subdistrict" in text
    assert "the rule for the place" in text
    assert rules.status_code == 200 and "Xihu Bureau" in rules.text


def test_the_childs_page_asks_nothing_of_the_corrections(client, world, django_assert_num_queries):
    s = at(world, State.AT_DEPARTMENT)
    correct(s, world.binjiang_staff, division=world.xihu_street)
    client.force_login(world.child_user)
    page = url("suggestion_detail", pk=s.pk)
    client.get(page)  # the session and the language settle on the first request

    # As before places were corrected: no query for the corrections nor for the places to
    # correct it to (those are the staff page's, STAFF_PAGE_QUERIES).
    with django_assert_num_queries(CHILD_PAGE_QUERIES):
        response = client.get(page)

    assert "corrected the place" not in response.text


CHILD_PAGE_QUERIES = 11
