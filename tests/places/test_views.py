"""What the child's form asks as the child types: places found, and the divisions in one."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from places import services
from places.models import Division, DivisionLevel, Place, PlaceKind
from tests.groups.factories import ChildUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _language_kept():
    """A request to an /en/ page leaves English active in this thread: not for the next test."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


def url(name, language="zh-hans"):
    with translation.override(language):
        return reverse(name)


@pytest.fixture
def child(client):
    client.force_login(ChildUserFactory())
    return client


def _park(name, name_en="", street="西湖街道", **fields):
    division = Division.objects.get(level=DivisionLevel.STREET, name=street)
    return services.place_save(
        Place(name=name, name_en=name_en, kind=PlaceKind.PARK, division=division, **fields)
    )


def test_pinyin_initials_find_a_place_with_its_division_and_kind(child):
    park = _park("西湖边的公园", name_en="West Lake Park")
    _park("太子湾公园")

    response = child.get(url("places_search"), {"q": "xhb"})

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": park.pk,
            "name": "西湖边的公园",
            "division": "西湖区 · 西湖街道",
            "kind": "公园",
            "kind_code": "park",
        }
    ]
    english = child.get(url("places_search", "en"), {"q": "xhb"}).json()
    assert (english[0]["name"], english[0]["division"], english[0]["kind"]) == (
        "West Lake Park",
        "Xihu District · Xihu Subdistrict",
        "Park",
    )


def test_a_retired_place_is_not_found_and_nothing_typed_finds_nothing(child):
    _park("白马湖公园", retired=True)
    assert child.get(url("places_search"), {"q": "bmh"}).json() == []
    assert child.get(url("places_search"), {"q": "  "}).json() == []
    assert child.get(url("places_search")).json() == []


def test_a_search_is_one_query_however_many_places(child, django_assert_num_queries):
    for i in range(25):
        _park(f"公园{i}")
    child.get(url("places_search"), {"q": "gy"})  # the session's first look
    # The session and the user, then the places with their divisions.
    with django_assert_num_queries(3):
        found = child.get(url("places_search"), {"q": "gy"}).json()
    assert len(found) == 10


def test_a_search_too_long_is_refused_clearly(child):
    response = child.get(url("places_search", "en"), {"q": "x" * 41})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "query_too_long",
        "message": "Type at most 40 letters to look for a place.",
    }
    assert child.get(url("places_search"), {"q": "x" * 40}).status_code == 200


def test_the_districts_then_the_streets_of_one(child):
    districts = child.get(url("places_divisions")).json()
    assert len(districts) == 13
    xihu = next(d for d in districts if d["name"] == "西湖区")
    assert xihu["level"] == "district"

    streets = child.get(url("places_divisions"), {"parent": xihu["id"]}).json()
    assert {s["name"] for s in streets} == set(
        Division.objects.filter(parent_id=xihu["id"]).values_list("name", flat=True)
    )
    assert "西湖街道" in {s["name"] for s in streets}
    english = child.get(url("places_divisions", "en"), {"parent": xihu["id"]}).json()
    assert "Xihu Subdistrict" in {s["name"] for s in english}


def test_a_community_has_no_divisions_under_it(child):
    community = Division.objects.filter(level=DivisionLevel.COMMUNITY).first()
    assert child.get(url("places_divisions"), {"parent": community.pk}).json() == []


def test_the_divisions_of_a_parent_take_one_query(child, django_assert_num_queries):
    street = Division.objects.get(level=DivisionLevel.STREET, name="西湖街道")
    child.get(url("places_divisions"))
    with django_assert_num_queries(3):
        assert len(child.get(url("places_divisions"), {"parent": street.pk}).json()) > 5
    with django_assert_num_queries(3):
        assert len(child.get(url("places_divisions")).json()) == 13


@pytest.mark.parametrize(
    ("parent", "code"),
    [
        ("999999", "unknown_parent"),
        ("abc", "bad_parent"),
        ("-1", "bad_parent"),
        ("1.5", "bad_parent"),
        ("9" * 40, "bad_parent"),
        ("١٢", "bad_parent"),  # digits, but not ASCII ones
    ],
)
def test_a_bad_parent_is_refused_clearly(child, parent, code):
    response = child.get(url("places_divisions", "en"), {"parent": parent})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_someone_not_signed_in_is_refused(client):
    for name in ("places_search", "places_divisions"):
        response = client.get(url(name), {"q": "xh"})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_signed_in"


def test_a_post_is_not_allowed(child):
    assert child.post(url("places_search"), {"q": "xh"}).status_code == 405
