"""'You said, we did' by place: a suggestion is listed under the district and street where the
problem was, not where its child goes to school; naming no place, under its school's."""

import pytest
from django.urls import reverse
from django.utils import timezone

from places import services as place_services
from places.models import Division, DivisionLevel, Place, PlaceKind
from suggestions.models import Outcome, Suggestion
from suggestions.workflow import State
from tests.helpers import url
from tests.suggestions.factories import SuggestionFactory

pytestmark = pytest.mark.django_db


def division(name, level=DivisionLevel.STREET):
    return Division.objects.get(level=level, name=name)


def done(title, **fields):
    suggestion = SuggestionFactory(title=title, **fields)
    Suggestion.objects.filter(pk=suggestion.pk).update(
        state=State.IMPLEMENTED, closed_at=timezone.now()
    )
    Outcome.objects.create(
        suggestion=suggestion, description="修好了", completed_on=timezone.localdate()
    )
    return suggestion


@pytest.fixture
def listed():
    at_beishan = done("北山街道的路灯", division=division("北山街道"))
    # No place named: its child's school is in 湖滨街道 (上城区).
    school_only = done("学校门口的斑马线")
    place_services.place_save(
        Place(
            name="湖滨的小学",
            kind=PlaceKind.SCHOOL,
            division=division("湖滨街道"),
            organisation=school_only.child.school,
        )
    )
    at_xixing = done("江边的栏杆", division=division("西兴街道"))
    return at_beishan, school_only, at_xixing


def titles(client, **query):
    response = client.get(reverse("implemented"), query)
    assert response.status_code == 200
    return sorted(s.title for s in response.context["page"].object_list)


def test_the_public_page_filters_by_the_district_and_street_of_the_place(client, listed):
    xihu = division("西湖区", DivisionLevel.DISTRICT)
    shangcheng = division("上城区", DivisionLevel.DISTRICT)
    assert titles(client) == sorted(s.title for s in listed)
    assert titles(client, district=xihu.pk) == ["北山街道的路灯"]
    assert titles(client, district=shangcheng.pk) == ["学校门口的斑马线"]
    assert titles(client, district=xihu.pk, street=division("北山街道").pk) == ["北山街道的路灯"]
    assert titles(client, district=xihu.pk, street=division("西湖街道").pk) == []


def test_streets_are_offered_once_a_district_is_chosen_and_bad_input_is_harmless(client, listed):
    xihu = division("西湖区", DivisionLevel.DISTRICT)
    page = client.get(reverse("implemented"), {"district": xihu.pk}).text
    assert "北山街道" in page and "湖滨街道" not in page.split("<select")[-1]
    for query in (
        {"district": "abc"},
        {"district": "²"},
        {"street": "x"},
        {"district": 2**40, "street": -1},
    ):
        assert client.get(reverse("implemented"), query).status_code == 200
    # A street of another district is not one of the choices: the filter says so, lists all.
    other = {"district": xihu.pk, "street": division("西兴街道").pk}
    assert client.get(reverse("implemented"), other).status_code == 200


def test_each_card_names_where_it_was(client, listed):
    page = client.get(reverse("implemented")).text
    assert "西湖区 · 北山街道" in page
    english = client.get(url("implemented", language="en")).text
    assert "Xihu District · Beishan Subdistrict" in english


def test_the_public_page_takes_the_same_queries_for_more_cards(
    client, listed, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6) as few:
        client.get(reverse("implemented"))
    community = division("北山街道").children.first()
    for i in range(10):
        done(f"更多{i}", division=division("北山街道") if i % 2 else community)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("implemented"))


def test_a_school_no_office_placed_counts_in_its_districts_name_and_tells_no_street(client):
    no_place = done("老学校的建议")
    district = no_place.child.school.district
    district.name = "临平区"
    district.save()
    linping = division("临平区", DivisionLevel.DISTRICT)
    assert titles(client, district=linping.pk) == ["老学校的建议"]
    overview = dict((str(d), n) for d, n in client.get(reverse("implemented")).context["districts"])
    assert overview["临平区"] == 1
    # A school's place tells the public its district only, never its street.
    school_place = place_services.place_save(
        Place(
            name="某小学",
            kind=PlaceKind.SCHOOL,
            division=division("湖滨街道"),
            organisation=done("学校的建议").child.school,
        )
    )
    shangcheng = division("上城区", DivisionLevel.DISTRICT)
    assert titles(client, district=shangcheng.pk) == ["学校的建议"]
    assert titles(client, district=shangcheng.pk, street=school_place.division.pk) == []
