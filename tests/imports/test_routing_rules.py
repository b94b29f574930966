"""Routing rules from a spreadsheet, matched by focus area and division (a district, street or
community of Hangzhou; empty: the whole city): which department takes the suggestions."""

from functools import partial

import pytest

from imports import routing
from imports.base import ImportRefused
from suggestions.models import RoutingRule
from tests.groups.factories import (
    DepartmentFactory,
    FocusAreaFactory,
    SchoolFactory,
)
from tests.imports import helpers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


@pytest.fixture(autouse=True)
def city(in_english):
    FocusAreaFactory(code="traffic", name="交通出行", name_en="Getting around")
    FocusAreaFactory(code="parks", name="公园绿地", name_en="Parks")
    DepartmentFactory(code="transport", name="市交通局")
    DepartmentFactory(code="police", name="市公安局")
    DepartmentFactory(code="greening", name="市园林局")
    SchoolFactory(code="wensan-school")


HEADER = "关注领域 / focus area,区划 / division,承办部门 / department\n"
XIHU, BEISHAN = "330106", "330106002"  # 西湖区, and its 北山街道
GOOD = (
    HEADER
    + "traffic,,transport\n"  # city-wide
    + "交通出行,西湖区,市公安局\n"  # by names
    + "Parks,330106,greening\n"  # by code
    + "parks,北山街道,transport\n"  # a street
)


table = partial(helpers.table, routing.COLUMNS)
as_csv = partial(helpers.as_csv, routing.COLUMNS)


def snapshot():
    return sorted(
        RoutingRule.objects.values_list("focus_area__code", "division__code", "department__code"),
        key=str,
    )


def test_the_preview_lists_the_rules_to_create_and_writes_nothing():
    plan = routing.IMPORTER.plan(table(GOOD))

    assert plan.ok
    assert [(row.number, row.action, row.key) for row in plan.rows] == [
        (2, "create", "traffic · *"),
        (3, "create", f"traffic · {XIHU}"),
        (4, "create", f"parks · {XIHU}"),
        (5, "create", f"parks · {BEISHAN}"),
    ]
    assert not RoutingRule.objects.exists()


def test_applying_creates_city_wide_district_and_street_rules():
    routing.IMPORTER.apply(table(GOOD))

    assert snapshot() == [
        ("parks", XIHU, "greening"),
        ("parks", BEISHAN, "transport"),
        ("traffic", XIHU, "police"),
        ("traffic", None, "transport"),
    ]
    citywide = RoutingRule.objects.get(division=None)
    assert (citywide.focus_area.code, citywide.department.code) == ("traffic", "transport")


def test_the_same_file_again_changes_nothing():
    routing.IMPORTER.apply(table(GOOD))

    plan = routing.IMPORTER.plan(table(GOOD))

    assert plan.nothing_to_change
    assert plan.counts() == {"create": 0, "update": 0, "unchanged": 4, "refused": 0}
    routing.IMPORTER.apply(table(GOOD))
    assert RoutingRule.objects.count() == 4


def test_a_later_file_changing_the_department_updates_the_rule():
    routing.IMPORTER.apply(table(GOOD))
    rule = RoutingRule.objects.get(division=None)
    later = GOOD.replace("traffic,,transport", "traffic,,police")

    plan = routing.IMPORTER.plan(table(later))

    (row,) = [row for row in plan.rows if row.action != "unchanged"]
    assert (row.number, row.action, row.key) == (2, "update", "traffic · *")
    assert row.changes == [("department", "transport", "police")]
    routing.IMPORTER.apply(table(later))
    assert RoutingRule.objects.count() == 4
    rule.refresh_from_db()
    assert rule.department.code == "police"


def test_the_export_imported_again_changes_nothing():
    routing.IMPORTER.apply(table(GOOD))

    exported = routing.IMPORTER.export()

    assert sorted(exported, key=str) == [
        {"focus_area": "parks", "division": XIHU, "department": "greening"},
        {"focus_area": "parks", "division": BEISHAN, "department": "transport"},
        {"focus_area": "traffic", "division": "", "department": "transport"},
        {"focus_area": "traffic", "division": XIHU, "department": "police"},
    ]
    plan = routing.IMPORTER.plan(table(as_csv(exported)))
    assert [row.action for row in plan.rows] == ["unchanged"] * 4
    assert plan.nothing_to_change


def test_bad_rows_are_refused_with_their_row_number_and_nothing_is_written():
    text = (
        HEADER
        + "traffic,,transport\n"
        + "traffic,,police\n"  # the same city-wide rule again
        + "parks,西湖区,nowhere\n"
        + "parks,西湖区,wensan-school\n"  # a school is not a department
        + "weather,,transport\n"
        + "parks,上海市,greening\n"  # not in Hangzhou
        + ",,\n"
        + "parks,,\n"
        + "parks,330199,greening\n"  # no such code
        + "parks,三合村,greening\n"  # a village in Fuyang and one in Tonglu
    )

    plan = routing.IMPORTER.plan(table(text))

    assert not plan.ok
    refused = {row.number: " ".join(row.problems) for row in plan.refused}
    assert set(refused) == {3, 4, 5, 6, 7, 9, 10, 11}
    assert "traffic · * is also on row 2" in refused[3]
    assert "There is no department “nowhere”" in refused[4]
    assert "There is no department “wensan-school”" in refused[5]
    assert "There is no focus area “weather”" in refused[6]
    assert "There is no division “上海市” in Hangzhou" in refused[7]
    assert "The department is empty" in refused[9]
    assert "There is no division “330199” in Hangzhou" in refused[10]
    assert "“三合村” is the name of more than one division" in refused[11]
    with pytest.raises(ImportRefused):
        routing.IMPORTER.apply(table(text))
    assert not RoutingRule.objects.exists()


def test_two_rows_for_one_focus_area_and_division_are_refused_however_named():
    text = HEADER + f"traffic,{XIHU},transport\n" + "交通出行,西湖区,police\n"

    plan = routing.IMPORTER.plan(table(text))

    (row,) = plan.refused
    assert row.number == 3
    assert f"traffic · {XIHU} is also on row 2" in row.problems[0]


def test_a_name_shared_by_two_divisions_is_found_with_the_divisions_it_lies_in():
    text = (
        HEADER
        + "parks,富阳区 · 鹿山街道 · 三合村,greening\n"
        + "traffic,桐庐县分水镇三合村,transport\n"
        + "education,Xihu District · Beishan Subdistrict,police\n"
    )
    FocusAreaFactory(code="education", name="教育")

    plan = routing.IMPORTER.plan(table(text))

    assert plan.ok, [row.problems for row in plan.refused]
    assert [row.key for row in plan.rows] == [
        "parks · 330111004220",
        "traffic · 330122109263",
        f"education · {BEISHAN}",
    ]


def test_names_with_full_width_punctuation_are_found_as_typed():
    DepartmentFactory(code="traffic-police", name="市公安局（交警支队）")
    text = HEADER + "交通出行,西湖区,市公安局（交警支队）\n" + "ｐａｒｋｓ,３３０１０６,greening\n"

    plan = routing.IMPORTER.plan(table(text))

    assert [(row.action, row.key) for row in plan.rows] == [
        ("create", f"traffic · {XIHU}"),
        ("create", f"parks · {XIHU}"),
    ]
    assert plan.rows[0].values["department"] == "traffic-police"
