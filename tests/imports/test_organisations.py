"""Organisations from a spreadsheet: a preview row by row, then all of it or nothing; the same
file twice changes nothing; a later file updates by code."""

import pytest
from django.core.management import CommandError, call_command

from groups.models import Organisation, OrganisationKind
from imports import organisations
from imports.base import ImportRefused
from imports.tabular import read_table
from tests.groups.factories import CommunityFactory, DistrictFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


HEADER = (
    "组织代码 / code,类型 / kind,名称 / name,英文名称 / English name,"
    "所在区 / district,所属社区 / community\n"
)
GOOD = (
    HEADER
    + "xihu,district,西湖区,Xihu District,,\n"
    + "wensan,社区,文三社区,,西湖区,\n"
    + "wensan-school,School,文三街小学,Wensan Street Primary School,xihu,wensan\n"
    + "transport,department,市交通局,,,\n"
)


def table(text, encoding="utf-8"):
    return read_table(text.encode(encoding), organisations.COLUMNS, max_bytes=10**6)


def test_the_preview_lists_what_would_be_created_and_writes_nothing():
    plan = organisations.plan(table(GOOD))

    assert plan.ok
    assert [(row.number, row.action, row.key) for row in plan.rows] == [
        (2, "create", "xihu"),
        (3, "create", "wensan"),
        (4, "create", "wensan-school"),
        (5, "create", "transport"),
    ]
    assert not Organisation.objects.exists()


def test_applying_creates_them_linked_and_a_second_time_changes_nothing():
    organisations.apply(table(GOOD))

    school = Organisation.objects.get(code="wensan-school")
    assert (school.kind, school.name, school.name_en) == (
        OrganisationKind.SCHOOL,
        "文三街小学",
        "Wensan Street Primary School",
    )
    assert (school.community.code, school.district.code) == ("wensan", "xihu")
    assert Organisation.objects.get(code="wensan").district.code == "xihu"

    again = organisations.plan(table(GOOD))
    assert again.nothing_to_change
    count = Organisation.objects.count()
    organisations.apply(table(GOOD))
    assert Organisation.objects.count() == count


def test_a_later_file_updates_by_code_and_says_what_changes():
    organisations.apply(table(GOOD))
    later = GOOD.replace("市交通局,,", "杭州市交通运输局,Transport Bureau,")

    plan = organisations.plan(table(later))

    (row,) = [row for row in plan.rows if row.action != "unchanged"]
    assert (row.key, row.action) == ("transport", "update")
    assert ("name", "市交通局", "杭州市交通运输局") in row.changes
    organisations.apply(table(later))
    assert Organisation.objects.get(code="transport").name_en == "Transport Bureau"
    assert Organisation.objects.filter(code="transport").count() == 1


def test_existing_districts_and_communities_can_be_named_by_name():
    district = DistrictFactory(name="拱墅区", code="gongshu")
    CommunityFactory(name="大关社区", code="daguan", district=district)
    text = HEADER + "daguan-school,school,大关小学,,拱墅区,大关社区\n"

    organisations.apply(table(text))

    assert Organisation.objects.get(code="daguan-school").community.code == "daguan"


def test_bad_rows_are_refused_with_their_row_number_and_nothing_is_written():
    text = (
        HEADER
        + "xihu,district,西湖区,,,\n"
        + "xihu,district,又一个西湖区,,,\n"
        + "s1,school,某小学,,xihu,\n"
        + "s2,school,另一小学,,滨江区,nowhere\n"
        + "x,planet,火星,,,\n"
    )

    plan = organisations.plan(table(text))

    assert not plan.ok
    refused = {row.number: row.problems for row in plan.rows if row.action == "refused"}
    assert set(refused) == {3, 4, 5, 6}
    assert "also on row 2" in refused[3][0]
    assert any("must belong to a community" in p for p in refused[4])
    assert any("no district “滨江区”" in p for p in refused[5])
    assert any("no community “nowhere”" in p for p in refused[5])
    assert any("Unknown kind “planet”" in p for p in refused[6])
    with pytest.raises(ImportRefused):
        organisations.apply(table(text))
    assert not Organisation.objects.exists()


def test_a_gbk_file_from_excel_with_full_width_codes_reads_the_same():
    text = GOOD.replace("transport,", "ｔｒａｎｓｐｏｒｔ１,")

    organisations.apply(table(text, encoding="gbk"))

    assert Organisation.objects.get(code="transport1").name == "市交通局"


def test_the_command_is_a_dry_run_unless_asked_to_commit(tmp_path, capsys):
    path = tmp_path / "organisations.csv"
    path.write_bytes(GOOD.encode("utf-8-sig"))

    call_command("import_organisations", str(path))
    assert not Organisation.objects.exists()
    call_command("import_organisations", str(path), "--commit")
    assert Organisation.objects.count() == 4

    out = capsys.readouterr().out
    assert "4 to create" in out and "Written." in out


def test_the_command_refuses_a_file_with_problems_and_writes_nothing(tmp_path):
    path = tmp_path / "organisations.csv"
    path.write_text(HEADER + "s1,school,某小学,,,\n", encoding="utf-8")

    with pytest.raises(CommandError, match="Nothing was written"):
        call_command("import_organisations", str(path), "--commit")
    assert not Organisation.objects.exists()


def test_the_command_refuses_a_file_that_is_not_a_spreadsheet(tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

    with pytest.raises(CommandError, match="not a spreadsheet"):
        call_command("import_organisations", str(path))
