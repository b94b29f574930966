"""Known places from a spreadsheet, matched by their name in their division: a preview row by
row, then all of it or nothing; the same file twice changes nothing; the search finds them."""

import io
from decimal import Decimal
from functools import partial

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from imports import places, spreadsheets
from imports.base import ImportRefused
from imports.models import ImportBatch
from places.models import Division, Place, PlaceKind, PlaceSearchKey
from places.selectors import places_search
from places.services import place_save
from tests.groups.factories import (
    AdminFactory,
    CommunityFactory,
    DepartmentFactory,
    SchoolFactory,
    UserFactory,
)
from tests.imports import helpers

pytestmark = pytest.mark.django_db

HEADER = (
    "类型 / kind,名称 / name,英文名称 / English name,所在区划 / division,纬度 / latitude,"
    "经度 / longitude,组织代码 / organisation code,已停用 / retired\n"
)
GOOD = (
    HEADER
    + "park,太子湾公园,Taiziwan Park,330106008,30.233,120.15,,\n"  # by code
    + "地铁站,龙翔桥站,Longxiangqiao Station,西湖区 北山街道,30.2587,120.1655,,否\n"
    + "Practice base,青少年宫实践基地,,湖滨街道,,,,no\n"  # a street's name alone
    + "学校,文三街小学,,拱墅区 大关街道 南苑社区,,,wensan-school,\n"
    + "other,旧码头,,Lingyin Subdistrict,,,,是\n"  # retired, by its English name
)

table = partial(helpers.table, places.COLUMNS)
as_csv = partial(helpers.as_csv, places.COLUMNS)


@pytest.fixture(autouse=True)
def programme():
    SchoolFactory(code="wensan-school", name="文三街小学")
    CommunityFactory(code="nanyuan", name="南苑社区")
    DepartmentFactory(code="transport")


def snapshot():
    return sorted(
        Place.objects.values_list(
            "kind",
            "name",
            "name_en",
            "division__code",
            "latitude",
            "longitude",
            "organisation__code",
            "retired",
        )
    )


EXPECTED = [
    ("metro_station", "龙翔桥站", "Longxiangqiao Station", "330106002", Decimal("30.25870"),
     Decimal("120.16550"), None, False),
    ("other", "旧码头", "", "330106012", None, None, None, True),
    ("park", "太子湾公园", "Taiziwan Park", "330106008", Decimal("30.23300"),
     Decimal("120.15000"), None, False),
    ("practice_base", "青少年宫实践基地", "", "330102003", None, None, None, False),
    ("school", "文三街小学", "", "330105007058", None, None, "wensan-school", False),
]  # fmt: skip


def test_the_preview_lists_the_places_to_create_and_writes_nothing():
    plan = places.IMPORTER.plan(table(GOOD))

    assert plan.ok, [row.problems for row in plan.rows]
    assert [(row.number, row.action, row.key) for row in plan.rows] == [
        (2, "create", "330106008 · 太子湾公园"),
        (3, "create", "330106002 · 龙翔桥站"),
        (4, "create", "330102003 · 青少年宫实践基地"),
        (5, "create", "330105007058 · 文三街小学"),
        (6, "create", "330106012 · 旧码头"),
    ]
    assert plan.rows[1].values["latitude"] == "30.25870"
    assert not Place.objects.exists()


def test_applying_creates_them_with_their_search_keys_and_a_second_time_changes_nothing():
    places.IMPORTER.apply(table(GOOD))

    assert snapshot() == EXPECTED
    keys = set(PlaceSearchKey.objects.values_list("key", flat=True))
    assert {"tzwgy", "taiziwangongyuan", "taiziwanpark", "湾公园"} <= keys
    again = places.IMPORTER.plan(table(GOOD))
    assert again.nothing_to_change, [(row.number, row.changes) for row in again.rows]
    written = sorted(PlaceSearchKey.objects.values_list("pk", "key"))
    places.IMPORTER.apply(table(GOOD))
    assert snapshot() == EXPECTED
    assert sorted(PlaceSearchKey.objects.values_list("pk", "key")) == written


def test_the_same_rows_in_an_xlsx_file_import_the_same():
    rows = [row.values for row in table(GOOD).rows]
    data = spreadsheets.workbook(places.IMPORTER, rows)

    places.IMPORTER.apply(places.IMPORTER.read(data))

    assert snapshot() == EXPECTED
    assert places.IMPORTER.plan(places.IMPORTER.read(data)).nothing_to_change


@pytest.mark.parametrize(
    "header",
    [
        "类型,名称,英文名称,所在区划,纬度,经度,组织代码,已停用\n",
        "Kind,Name,English name,Division,Latitude,Longitude,Organisation code,Retired\n",
    ],
    ids=["chinese", "english"],
)
def test_a_header_in_either_language_is_read(header):
    text = GOOD.replace(HEADER, header)

    places.IMPORTER.apply(table(text))

    assert snapshot() == EXPECTED


def test_a_gbk_csv_from_excel_is_read():
    places.IMPORTER.apply(helpers.table(places.COLUMNS, GOOD, encoding="gb18030"))

    assert snapshot() == EXPECTED


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("tzwgy", "太子湾公园"),
        ("lxq", "龙翔桥站"),
        ("wensanjie", "文三街小学"),
        ("公园", "太子湾公园"),
    ],
)
def test_the_search_finds_the_imported_places_by_pinyin(typed, found):
    places.IMPORTER.apply(table(GOOD))

    assert [place.name for place in places_search(typed)] == [found]


def test_the_retired_place_is_not_offered():
    places.IMPORTER.apply(table(GOOD))

    assert places_search("旧码头") == []
    assert Place.objects.get(name="旧码头").retired


def test_a_later_file_updates_the_place_of_that_name_in_that_division_and_its_keys():
    places.IMPORTER.apply(table(GOOD))
    park = Place.objects.get(name="太子湾公园")
    later = GOOD.replace("Taiziwan Park,330106008,30.233,120.15", "Prince Bay Park,330106008,,")

    plan = places.IMPORTER.plan(table(later))

    (row,) = [row for row in plan.rows if row.action != "unchanged"]
    assert (row.number, row.action, row.key) == (2, "update", "330106008 · 太子湾公园")
    assert row.changes == [
        ("name_en", "Taiziwan Park", "Prince Bay Park"),
        ("latitude", "30.23300", ""),
        ("longitude", "120.15000", ""),
    ]
    places.IMPORTER.apply(table(later))
    park.refresh_from_db()
    assert (park.name_en, park.latitude, park.longitude) == ("Prince Bay Park", None, None)
    assert Place.objects.count() == len(EXPECTED)
    assert [place.pk for place in places_search("princebay")] == [park.pk]
    assert places_search("taiziwanpark") == []


def test_the_same_name_in_another_division_is_another_place():
    places.IMPORTER.apply(table(GOOD))

    places.IMPORTER.apply(table(HEADER + "park,太子湾公园,,北山街道,,,,\n"))

    assert sorted(
        Place.objects.filter(name="太子湾公园").values_list("division__code", flat=True)
    ) == ["330106002", "330106008"]


def test_blank_organisation_and_retired_cells_leave_the_place_as_it_is():
    places.IMPORTER.apply(table(GOOD))
    text = HEADER + "学校,文三街小学,,330105007058,,,,\n"

    assert places.IMPORTER.plan(table(text)).nothing_to_change
    text = "类型,名称,所在区划\n" + "school,文三街小学,330105007058\n"
    assert places.IMPORTER.plan(table(text)).nothing_to_change


def test_the_export_imported_again_changes_nothing():
    places.IMPORTER.apply(table(GOOD))

    exported = places.IMPORTER.export()

    assert len(exported) == len(EXPECTED)
    assert {
        "kind": "school",
        "name": "文三街小学",
        "name_en": "",
        "division": "330105007058",
        "latitude": "",
        "longitude": "",
        "organisation": "wensan-school",
        "retired": "no",
    } in exported
    assert places.IMPORTER.plan(table(as_csv(exported))).nothing_to_change


BAD = [
    ("castle,城堡,,330106008,,,,", "Unknown kind “castle”: write one of school, community"),
    (",城堡,,330106008,,,,", "The kind is empty"),
    ("park,,,330106008,,,,", "The name is empty"),
    ("park,北山公园,,330106999,,,,", "There is no division of Hangzhou with the code 330106999"),
    ("park,北山公园,,110101001,,,,", "There is no division of Hangzhou with the code 110101001"),
    ("park,北山公园,,,,,,", "The division is empty"),
    ("park,北山公园,,月亮街道,,,,", "There is no division of Hangzhou named “月亮街道”"),
    (
        "park,南苑公园,,南苑社区,,,,",
        "“南苑社区” names more than one division (拱墅区 大关街道 南苑社区 330105007058; "
        "临平区 塘栖镇 南苑社区 330113100004; 淳安县 千岛湖镇 南苑社区 330127100011): write its "
        "statistical code, or its district (and street) before it, such as "
        "“拱墅区 大关街道 南苑社区”.",
    ),
    (
        "park,北山公园,,330106002,39.9,116.4,,",
        "The latitude 39.9 is outside Hangzhou (between 29.1 and 30.6)",
    ),
    (
        "park,北山公园,,330106002,120.15,30.25,,",
        "The latitude 120.15 is outside Hangzhou (between 29.1 and 30.6): correct it, or check "
        "that the latitude and the longitude are not swapped.",
    ),
    (
        "park,北山公园,,330106002,30.25,,,",
        "Give both the latitude and the longitude, or neither.",
    ),
    (
        "park,北山公园,,330106002,,120.15,,",
        "Give both the latitude and the longitude, or neither.",
    ),
    ("park,北山公园,,330106002,北纬30度,120.15,,", "The latitude “北纬30度” is not a number"),
    (
        "school,北山小学,,330106002,,,no-such-school,",
        "There is no school or community “no-such-school” in the portal",
    ),
    (
        "school,北山小学,,330106002,,,transport,",  # a department is no place of a child's
        "There is no school or community “transport” in the portal",
    ),
    (
        "park,北山公园,,330106002,,,wensan-school,",
        "wensan-school is a School: the kind of its place is school.",
    ),
    ("park,北山公园,,330106002,,,,maybe", "“maybe” in the retired column"),
    ("park," + "园" * 121 + ",,330106002,,,,", "The name is longer than 120 characters"),
]


@pytest.mark.usefixtures("in_english")
@pytest.mark.parametrize(("row", "message"), BAD, ids=[message[:40] for _row, message in BAD])
def test_a_bad_row_is_refused_with_its_number_and_nothing_is_written(row, message):
    text = GOOD + row + "\n"

    plan = places.IMPORTER.plan(table(text))

    (refused,) = plan.refused
    assert refused.number == 7
    assert message in " ".join(refused.problems)
    with pytest.raises(ImportRefused):
        places.IMPORTER.apply(table(text))
    assert not Place.objects.exists()
    assert not PlaceSearchKey.objects.exists()


def test_the_messages_are_in_chinese_for_a_chinese_office():
    text = HEADER + "park,南苑公园,,南苑社区,,,,\n" + "castle,城堡,,330106008,30.2,,,\n"

    with translation.override("zh-hans"):
        plan = places.IMPORTER.plan(table(text))

    ambiguous, castle = (" ".join(row.problems) for row in plan.refused)
    assert "“南苑社区”对应多个区划" in ambiguous
    assert "写明统计代码" in ambiguous
    assert "未知类型“castle”" in castle
    assert "纬度和经度" in castle


@pytest.mark.usefixtures("in_english")
def test_a_retired_place_named_without_saying_retired_is_refused_until_the_file_says():
    division = Division.objects.get(code="330106008")
    place_save(Place(kind=PlaceKind.PARK, name="太子湾公园", division=division, retired=True))
    text = HEADER + "park,太子湾公园,,330106008,,,,\n"

    (row,) = places.IMPORTER.plan(table(text)).refused

    assert (
        "太子湾公园 is retired in the portal: write “no” in the retired column" in (row.problems[0])
    )
    places.IMPORTER.apply(table(HEADER + "park,太子湾公园,,330106008,,,,no\n"))
    assert [place.name for place in places_search("tzwgy")] == ["太子湾公园"]


@pytest.mark.usefixtures("in_english")
def test_two_rows_for_one_place_or_one_organisation_are_refused():
    text = (
        HEADER
        + "park,太子湾公园,,330106008,,,,\n"
        + "park,太子湾公园,,西湖区 西湖街道,,,,\n"  # the same place, named otherwise
        + "school,文三街小学,,330105007058,,,wensan-school,\n"
        + "school,文三街小学(南校区),,330105007058,,,wensan-school,\n"
    )

    plan = places.IMPORTER.plan(table(text))

    refused = {row.number: " ".join(row.problems) for row in plan.refused}
    assert set(refused) == {3, 5}
    assert "330106008 · 太子湾公园 is also on row 2" in refused[3]
    assert "The organisation wensan-school is also the place on row 4" in refused[5]


@pytest.mark.usefixtures("in_english")
def test_an_organisation_that_is_already_another_place_is_refused():
    places.IMPORTER.apply(table(GOOD))
    text = HEADER + "school,文三街小学,,330105007058,,,wensan-school,\n"
    text += "school,文三街小学,,北山街道,,,wensan-school,\n"

    (row,) = places.IMPORTER.plan(table(text)).refused

    assert row.number == 3
    assert (
        "wensan-school is already the place “文三街小学” in 拱墅区 大关街道 南苑社区"
        in (row.problems[0])
    )


def test_the_command_imports_places(tmp_path):
    path = tmp_path / "places.csv"
    path.write_text(GOOD, encoding="utf-8")

    out = io.StringIO()

    call_command("import_places", str(path), "--commit", stdout=out)

    assert "330106008 · 太子湾公园" in out.getvalue()
    assert snapshot() == EXPECTED
    path.write_text(GOOD + "castle,城堡,,330106008,,,,\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_places", str(path), "--commit", stdout=out)


def test_the_office_uploads_previews_and_confirms_a_places_file(
    client, django_capture_on_commit_callbacks
):
    client.force_login(AdminFactory())
    with translation.override("en"):
        url = reverse("import_upload", args=["places"])
        index = client.get(reverse("imports")).content.decode()
    assert url in index
    response = client.post(url, {"file": SimpleUploadedFile("places.csv", GOOD.encode())})
    location = response["Location"]
    assert "太子湾公园" in client.get(location).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(location)
    assert ImportBatch.objects.get().state == ImportBatch.State.APPLIED
    assert snapshot() == EXPECTED


@pytest.mark.parametrize("role", ["school", "mentor", "guardian", "child", "department"])
def test_only_the_programme_office_may_import_places(client, role):
    client.force_login(UserFactory(role=role))
    for name in ("import_upload", "import_template", "import_export"):
        assert client.get(reverse(name, args=["places"])).status_code == 403
    response = client.post(
        reverse("import_upload", args=["places"]),
        {"file": SimpleUploadedFile("places.csv", GOOD.encode())},
    )
    assert response.status_code == 403
    assert not ImportBatch.objects.exists()
    assert not Place.objects.exists()


def test_the_keys_of_many_places_are_written_in_batches(monkeypatch):
    monkeypatch.setattr(places, "KEYS_BATCH", 2)

    places.IMPORTER.apply(table(GOOD))

    assert snapshot() == EXPECTED
    for place in Place.objects.all():
        found = [p.pk for p in places_search(place.name)]
        assert found == ([] if place.retired else [place.pk])
