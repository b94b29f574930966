"""The alliance's member groups from a spreadsheet, matched by the school or community that runs
each group: a preview, then all of it or nothing; the same file twice changes nothing."""

from datetime import date
from functools import partial

import pytest

from groups.models import Alliance, GroupLevel, ObservationGroup
from imports import alliance
from imports.base import ImportRefused
from tests.groups.factories import CommunityFactory, DepartmentFactory, SchoolFactory
from tests.imports import helpers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


@pytest.fixture
def the_alliance():
    SchoolFactory(code="wensan-school", name="文三街小学")
    CommunityFactory(code="daguan", name="大关社区")
    DepartmentFactory(code="transport", name="市交通局")
    return Alliance.objects.create(name="杭州市儿童友好联盟", name_en="Child-Friendly Alliance")


HEADER = (
    "所属学校或社区 / school or community,观察团名称 / group name,英文名称 / English name,"
    "联盟 / alliance,成立日期 / founded on\n"
)
GOOD = (
    HEADER
    + "wensan-school,文三街小学观察团,Wensan Observers,,2025/9/1\n"
    + "大关社区,大关社区观察团,,杭州市儿童友好联盟,2024年3月1日\n"
)


table = partial(helpers.table, alliance.COLUMNS)
as_csv = partial(helpers.as_csv, alliance.COLUMNS)


def snapshot():
    return sorted(
        ObservationGroup.objects.values_list(
            "organisation__code", "level", "name", "name_en", "alliance__name", "founded_on"
        )
    )


def test_the_preview_lists_the_groups_to_create_and_writes_nothing(the_alliance):
    plan = alliance.IMPORTER.plan(table(GOOD))

    assert plan.ok
    assert [(row.number, row.action, row.key) for row in plan.rows] == [
        (2, "create", "wensan-school"),
        (3, "create", "daguan"),
    ]
    assert plan.rows[1].values["alliance"] == "杭州市儿童友好联盟"
    assert not ObservationGroup.objects.exists()


def test_applying_creates_alliance_member_groups_of_the_alliance(the_alliance):
    alliance.IMPORTER.apply(table(GOOD))

    assert snapshot() == [
        (
            "daguan",
            GroupLevel.ALLIANCE_MEMBER,
            "大关社区观察团",
            "",
            "杭州市儿童友好联盟",
            date(2024, 3, 1),
        ),
        (
            "wensan-school",
            GroupLevel.ALLIANCE_MEMBER,
            "文三街小学观察团",
            "Wensan Observers",
            "杭州市儿童友好联盟",
            date(2025, 9, 1),
        ),
    ]
    assert set(the_alliance.members.all()) == set(ObservationGroup.objects.all())


def test_the_same_file_again_changes_nothing(the_alliance):
    alliance.IMPORTER.apply(table(GOOD))
    before = snapshot()

    plan = alliance.IMPORTER.plan(table(GOOD))

    assert plan.nothing_to_change
    assert plan.counts() == {"create": 0, "update": 0, "unchanged": 2, "refused": 0}
    alliance.IMPORTER.apply(table(GOOD))
    assert snapshot() == before


def test_a_later_file_updates_the_one_changed_value(the_alliance):
    alliance.IMPORTER.apply(table(GOOD))
    later = GOOD.replace("大关社区观察团", "大关小小观察团")

    plan = alliance.IMPORTER.plan(table(later))

    (row,) = [row for row in plan.rows if row.action != "unchanged"]
    assert (row.number, row.action, row.key) == (3, "update", "daguan")
    assert row.changes == [("name", "大关社区观察团", "大关小小观察团")]
    alliance.IMPORTER.apply(table(later))
    assert ObservationGroup.objects.get(organisation__code="daguan").name == "大关小小观察团"
    assert ObservationGroup.objects.count() == 2


def test_an_empty_alliance_cell_keeps_the_group_in_its_alliance(the_alliance):
    alliance.IMPORTER.apply(table(GOOD))
    Alliance.objects.create(name="另一个联盟")
    later = GOOD.replace("杭州市儿童友好联盟,2024", ",2024")

    plan = alliance.IMPORTER.plan(table(later))

    assert plan.nothing_to_change


def test_the_export_imported_again_changes_nothing(the_alliance):
    alliance.IMPORTER.apply(table(GOOD))

    exported = alliance.IMPORTER.export()

    assert exported == [
        {
            "organisation": "daguan",
            "name": "大关社区观察团",
            "name_en": "",
            "alliance": "杭州市儿童友好联盟",
            "founded_on": "2024-03-01",
        },
        {
            "organisation": "wensan-school",
            "name": "文三街小学观察团",
            "name_en": "Wensan Observers",
            "alliance": "杭州市儿童友好联盟",
            "founded_on": "2025-09-01",
        },
    ]
    plan = alliance.IMPORTER.plan(table(as_csv(exported)))
    assert [row.action for row in plan.rows] == ["unchanged", "unchanged"]
    assert plan.nothing_to_change


def test_bad_rows_are_refused_with_their_row_number_and_nothing_is_written(the_alliance):
    text = (
        HEADER
        + "wensan-school,文三街小学观察团,,,2025-09-01\n"
        + "transport,交通局观察团,,,\n"
        + "daguan,大关社区观察团,,,2025-13-01\n"
        + "wensan-school,又一个观察团,,,\n"
        + "daguan,,,没有这个联盟,\n"
    )

    plan = alliance.IMPORTER.plan(table(text))

    assert not plan.ok
    refused = {row.number: " ".join(row.problems) for row in plan.refused}
    assert set(refused) == {3, 4, 5, 6}
    assert "There is no school or community “transport”" in refused[3]
    assert "“2025-13-01” is not a date" in refused[4]
    assert "wensan-school is also on row 2" in refused[5]
    assert "The name is empty" in refused[6]
    assert "There is no alliance “没有这个联盟”" in refused[6]
    with pytest.raises(ImportRefused):
        alliance.IMPORTER.apply(table(text))
    assert not ObservationGroup.objects.exists()


def test_with_two_alliances_an_empty_alliance_cell_is_refused(the_alliance):
    Alliance.objects.create(name="另一个联盟")

    plan = alliance.IMPORTER.plan(table(GOOD))

    (row,) = plan.refused
    assert row.number == 2
    assert "Name the alliance" in row.problems[0]
    with pytest.raises(ImportRefused):
        alliance.IMPORTER.apply(table(GOOD))
    assert not ObservationGroup.objects.exists()


def test_without_an_alliance_nothing_can_be_imported():
    SchoolFactory(code="wensan-school")
    text = HEADER + "wensan-school,文三街小学观察团,,,\n"

    plan = alliance.IMPORTER.plan(table(text))

    (row,) = plan.refused
    assert "Name the alliance" in row.problems[0]


def test_a_school_named_with_full_width_punctuation_is_found_as_typed(the_alliance):
    SchoolFactory(code="xixi-campus", name="文三街小学（西溪校区）")
    text = HEADER + "文三街小学（西溪校区）,西溪校区观察团,,,\n"

    plan = alliance.IMPORTER.plan(table(text))

    (row,) = plan.rows
    assert (row.action, row.key) == ("create", "xixi-campus")
