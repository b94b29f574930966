"""Divisions loaded from the vendored codes; known places and the search as you type."""

import csv
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from places import selectors, services
from places.models import Division, DivisionLevel, Place, PlaceKind
from places.selectors import divisions_under, places_near, places_search

pytestmark = pytest.mark.django_db

DATA = "places/data/hangzhou-divisions.csv"


def _place(name, street="北山街道", **fields):
    division = Division.objects.get(level=DivisionLevel.STREET, name=street)
    return services.place_save(
        Place(name=name, kind=fields.pop("kind", PlaceKind.PARK), division=division, **fields)
    )


def test_the_migration_loads_every_division_of_the_vendored_file():
    with open(DATA, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert Division.objects.count() == len(rows) > 3000
    assert divisions_under(None).count() == 13
    community = Division.objects.select_related("parent__parent").get(name="杨柳郡社区")
    assert community.full_name == "上城区 · 彭埠街道 · 杨柳郡社区"
    assert community.district.name == "上城区"
    assert [d.level for d in community.lineage()] == ["community", "street", "district"]


def test_english_names_are_pinyin_with_the_kind_of_division():
    assert Division.objects.get(name="西湖区").name_en == "Xihu District"
    assert Division.objects.get(name="桐庐县").name_en == "Tonglu County"
    assert Division.objects.get(name="北山街道").name_en == "Beishan Subdistrict"
    # Characters read two ways, as place names read them.
    assert Division.objects.get(name="长庆街道").name_en == "Changqing Subdistrict"
    assert Division.objects.get(code="330106013002").name_en == "Nandu Community"
    assert Division.objects.get(name="朝晖街道").name_en == "Zhaohui Subdistrict"
    assert Division.objects.get(name="临安区").name_en == "Lin'an District"


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("西湖", "西湖文化广场"),  # the start of the name
        ("文化广", "西湖文化广场"),  # the middle
        ("xh", "西湖文化广场"),  # pinyin initials
        ("XH", "西湖文化广场"),  # in capitals
        ("whgc", "西湖文化广场"),  # initials from the middle
        ("xihuwen", "西湖文化广场"),  # the spelling
        ("tcxx", "天长小学"),  # 长 read chang …
        ("tzxx", "天长小学"),  # … or zhang
        ("west lake", "西湖文化广场"),  # the English name, spaces ignored
    ],
)
def test_a_place_is_found_by_what_a_child_types(typed, found):
    _place("西湖文化广场", name_en="West Lake Cultural Square")
    _place("天长小学", kind=PlaceKind.SCHOOL)
    _place("植物园")
    assert [p.name for p in places_search(typed)] == [found]


def test_nothing_typed_finds_nothing_and_a_retired_place_is_not_offered():
    _place("太子湾公园")
    _place("白马湖公园", retired=True)
    assert places_search("   ") == []
    assert [p.name for p in places_search("公园")] == ["太子湾公园"]


def test_the_search_takes_one_query_whatever_it_finds(django_assert_num_queries):
    for i in range(30):
        _place(f"公园{i}")
    with django_assert_num_queries(1):
        found = places_search("公园")
        [str(p.division.parent) for p in found]
    assert len(found) == 10


def test_a_broad_search_ranks_the_places_of_its_first_keys_only(monkeypatch):
    """What one letter starts is read only up to SEARCH_CANDIDATES keys, in byte order, so that
    the search does not grow with the places; one more letter narrows it to them all."""
    monkeypatch.setattr(selectors, "SEARCH_CANDIDATES", 3)
    _place("白马湖公园")  # baimahugongwan, baimahugongyuan (园 read wan or yuan): the first keys
    _place("北山公园")  # beishangongwan: the third
    _place("滨江公园")  # binjianggongwan: the fifth, not read

    assert [p.name for p in places_search("b")] == ["北山公园", "白马湖公园"]
    assert [p.name for p in places_search("bj")] == ["滨江公园"]
    monkeypatch.setattr(selectors, "SEARCH_CANDIDATES", 200)
    assert [p.name for p in places_search("b")] == ["北山公园", "滨江公园", "白马湖公园"]


def test_shorter_names_come_first():
    _place("湖滨公园北门")
    _place("湖滨公园")
    assert [p.name for p in places_search("湖滨")] == ["湖滨公园", "湖滨公园北门"]


def test_renaming_a_place_writes_its_keys_anew():
    place = _place("旧名字")
    place.name = "新名字"
    services.place_save(place)
    assert places_search("旧") == []
    assert places_search("新") == [place]


def test_places_near_a_street_include_those_of_its_communities():
    street = Division.objects.get(level=DivisionLevel.STREET, name="北山街道")
    community = street.children.first()
    in_street = _place("街道里的公园")
    in_community = services.place_save(
        Place(name="社区里的公园", kind=PlaceKind.PARK, division=community)
    )
    _place("别处的公园", street="湖滨街道")
    assert set(places_near(street)) == {in_street, in_community}


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        (Decimal("31.23"), Decimal("121.47")),  # Shanghai
        (Decimal("30.25"), None),  # only one of the two
        (Decimal("0"), Decimal("120.16")),
    ],
)
def test_coordinates_outside_the_city_are_refused(latitude, longitude):
    with pytest.raises(ValidationError):
        _place("太远的地方", latitude=latitude, longitude=longitude)
    assert not Place.objects.filter(name="太远的地方").exists()


@pytest.mark.django_db(transaction=True)
def test_a_flushed_database_gets_its_divisions_back_with_their_codes_as_ids():
    from django.core.management import call_command

    call_command("flush", verbosity=0, interactive=False)
    assert Division.objects.count() > 3000
    assert Division.objects.get(pk=330106002).name == "北山街道"
    assert Division.objects.get(code="330106002051").parent_id == 330106002


def test_an_office_adds_a_place_in_the_admin_and_children_find_it(admin_client):
    street = Division.objects.get(level=DivisionLevel.STREET, name="北山街道")
    response = admin_client.post(
        "/admin/places/place/add/",
        {
            "kind": PlaceKind.PARK,
            "name": "北山公园",
            "name_en": "",
            "division": street.pk,
            "latitude": "",
            "longitude": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].errors
    assert [p.name for p in places_search("bsgy")] == ["北山公园"]
    refused = admin_client.post(
        "/admin/places/place/add/",
        {
            "kind": PlaceKind.PARK,
            "name": "上海的公园",
            "division": street.pk,
            "latitude": "31.23",
            "longitude": "121.47",
        },
    )
    assert refused.status_code == 200
    assert not Place.objects.filter(name="上海的公园").exists()


def test_divisions_are_reference_data_in_the_admin(admin_client):
    assert admin_client.get("/admin/places/division/add/").status_code == 403
    page = admin_client.get("/admin/places/division/?q=北山")
    assert page.status_code == 200 and "北山街道" in page.text
