"""The API reads and writes where a suggestion is; divisions and known places are public;
Open311 requests carry the address and coordinates the portal's own places give."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from places import services as place_services
from places.models import Division, DivisionLevel, Place, PlaceKind
from suggestions.models import Suggestion
from tests.suggestions.factories import route_pending

pytestmark = pytest.mark.django_db

NEW = {
    "title": "公园的滑梯坏了",
    "noticed": "滑梯上有一个洞。",
    "proposal": "请修好滑梯。",
    "place": "滑梯旁边",
    "role": "safety_promoter",
}


def street(name="西湖街道"):
    return Division.objects.get(level=DivisionLevel.STREET, name=name)


def park(name="太子湾公园", retired=False, **fields):
    return place_services.place_save(
        Place(name=name, kind=PlaceKind.PARK, division=street(), retired=retired, **fields)
    )


def post(pipe, **fields):
    client = APIClient()
    client.force_authenticate(pipe.child_user)
    return client.post(
        "/api/v1/suggestions/",
        {**NEW, "focus_area": pipe.focus_area.code, **fields},
        format="json",
    )


def test_a_suggestion_sent_by_the_api_names_a_known_place_and_reads_it_back(pipe):
    place = park(latitude=Decimal("30.23300"), longitude=Decimal("120.15000"))
    response = post(pipe, known_place=place.pk, latitude="30.2331", longitude="120.1501")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["known_place"], created["division"]) == (place.pk, "330106008")
    assert (created["latitude"], created["longitude"]) == ("30.23310", "120.15010")
    client = APIClient()
    client.force_authenticate(pipe.child_user)
    listed = client.get("/api/v1/suggestions/").json()["results"][0]
    shown = client.get(f"/api/v1/suggestions/{created['id']}/").json()
    assert listed == shown
    assert listed["division"] == "330106008"


def test_a_division_alone_is_enough(pipe):
    response = post(pipe, division="330106")
    assert response.status_code == 201, response.json()
    assert Suggestion.objects.get().division.name == "西湖区"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"division": "110101"}, "division", "没有这个编码的杭州行政区划。"),
        ({"division": "abc"}, "division", "没有这个编码的杭州行政区划。"),
        ({"known_place": 2**40}, "known_place", None),
        ({"known_place": 999999}, "known_place", "没有这个编号的已知地点。"),
        ({"latitude": "31.23", "longitude": "121.47"}, "latitude", "这个位置不在杭州。"),
        ({"latitude": "30.25"}, "longitude", "纬度和经度要么都填，要么都不填。"),
    ],
)
def test_bad_places_are_refused_and_nothing_is_written(pipe, fields, field, message):
    response = post(pipe, **fields)
    assert response.status_code == 400
    errors = response.json()["error"]["fields"]
    assert field in errors
    if message:
        assert errors[field] == [message]
    assert not Suggestion.objects.exists()


def test_a_retired_place_or_a_division_it_is_not_in_is_refused(pipe):
    retired = park("白马湖公园", retired=True)
    assert post(pipe, known_place=retired.pk).status_code == 400
    elsewhere = post(pipe, known_place=park().pk, division="330102")
    assert elsewhere.status_code == 400
    assert elsewhere.json()["error"]["fields"]["division"] == ["这个已知地点不在这个行政区划里。"]
    assert not Suggestion.objects.exists()


def test_divisions_and_known_places_are_public_and_searchable():
    place = park()
    park("白马湖公园", retired=True)
    client = APIClient()
    districts = client.get("/api/v1/divisions/?level=district&page_size=50").json()["results"]
    assert len(districts) == 13
    streets = client.get("/api/v1/divisions/?parent=330106&page_size=50").json()["results"]
    assert "北山街道" in [s["name"] for s in streets]
    assert {s["parent"] for s in streets} == {"330106"}
    assert client.get("/api/v1/divisions/330106002/").json()["name_en"] == "Beishan Subdistrict"
    assert client.get("/api/v1/divisions/999999/").status_code == 404
    found = client.get("/api/v1/places/?search=tzw").json()["results"]
    assert [p["id"] for p in found] == [place.pk]
    assert client.get("/api/v1/places/?search=bmh").json()["results"] == []
    assert client.get("/api/v1/places/?search=" + "x" * 41).status_code == 400


def test_open311_says_only_the_street_until_it_is_done_then_the_place_and_its_point(pipe):
    place = park(latitude=Decimal("30.23300"), longitude=Decimal("120.15000"))
    assert post(pipe, known_place=place.pk, latitude="30.2", longitude="120.1").status_code == 201
    community = Division.objects.get(level=DivisionLevel.COMMUNITY, code="330106002051")
    assert post(pipe, division=community.code).status_code == 201
    route_pending()

    def requests():
        listed = APIClient().get("/api/open311/v2/requests.json").json()
        return {r["service_request_id"]: r for r in listed}, str(listed)

    at_park, in_community = Suggestion.objects.order_by("pk")
    found, text = requests()
    # Open: the street only; neither the known place nor the community nor any point.
    assert (found[str(at_park.pk)]["address"], found[str(at_park.pk)]["lat"]) == (
        "西湖区 · 西湖街道",
        None,
    )
    assert found[str(at_park.pk)]["address_id"] == "330106008"
    assert found[str(in_community.pk)]["address"] == "西湖区 · 北山街道"
    assert "太子湾公园" not in text and community.name not in text
    # The child's own words never leave the portal.
    assert "滑梯旁边" not in text

    Suggestion.objects.filter(pk=at_park.pk).update(state="implemented")
    found, _text = requests()
    done = found[str(at_park.pk)]
    assert done["address"] == "太子湾公园 · 西湖区 · 西湖街道"
    # The known place's point, not the one the child gave.
    assert (done["lat"], done["long"]) == (30.233, 120.15)
