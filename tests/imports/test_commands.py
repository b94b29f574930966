"""`manage.py import_<kind> FILE [--commit]`: a dry run unless asked to commit, all or nothing."""

import io

import pytest
from django.core.management import CommandError, call_command

from groups.models import Child, StaffMember, User
from suggestions.models import RoutingRule
from tests.groups.factories import (
    DepartmentFactory,
    FocusAreaFactory,
    ProgrammeOfficeFactory,
    SchoolFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


@pytest.fixture(autouse=True)
def organisations(in_english):
    SchoolFactory(code="wensan-school")
    DepartmentFactory(code="transport")
    ProgrammeOfficeFactory()


HEADER = "电子邮箱 / e-mail,姓名 / name,所属单位 / organisation,角色 / role,职务 / title\n"
GOOD = (
    HEADER
    + "teacher@example.org,李老师,wensan-school,school,德育主任\n"
    + "clerk@example.org,王科员,transport,department,\n"
)


@pytest.fixture
def staff_file(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(GOOD.encode("utf-8-sig"))  # "CSV UTF-8" as Excel saves it
    return path


def run(*args, **options):
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def test_a_dry_run_shows_the_plan_and_writes_nothing(staff_file):
    users = User.objects.count()

    out = run("import_staff", str(staff_file))

    assert "2 to create, 0 to update, 0 unchanged, 0 refused." in out
    assert "teacher@example.org" in out and "clerk@example.org" in out
    assert "A dry run: nothing was written" in out
    assert "Written." not in out
    assert User.objects.count() == users
    assert not StaffMember.objects.exists()


def test_with_commit_it_writes(staff_file):
    out = run("import_staff", str(staff_file), commit=True)

    assert "2 to create" in out and "Written." in out
    assert sorted(StaffMember.objects.values_list("user__email", "organisation__code")) == [
        ("clerk@example.org", "transport"),
        ("teacher@example.org", "wensan-school"),
    ]

    again = run("import_staff", str(staff_file), "--commit")
    assert "0 to create, 0 to update, 2 unchanged, 0 refused." in again
    assert StaffMember.objects.count() == 2


def test_a_bad_row_refuses_the_whole_file(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text(GOOD + "nobody@example.org,无名,nowhere,school,\n", encoding="utf-8")
    out = io.StringIO()
    users = User.objects.count()

    with pytest.raises(CommandError, match="Nothing was written"):
        call_command("import_staff", str(path), commit=True, stdout=out)

    assert "There is no organisation “nowhere”" in out.getvalue()
    assert "2 to create, 0 to update, 0 unchanged, 1 refused." in out.getvalue()
    assert User.objects.count() == users
    assert not StaffMember.objects.exists()


def test_a_file_that_is_not_a_spreadsheet_is_refused(tmp_path):
    path = tmp_path / "photo.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

    with pytest.raises(CommandError, match="This file is not a spreadsheet"):
        call_command("import_staff", str(path), commit=True)
    assert not StaffMember.objects.exists()


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_staff", str(tmp_path / "missing.csv"))


def test_the_other_kinds_have_their_commands(tmp_path):
    FocusAreaFactory(code="traffic")
    rules = tmp_path / "rules.csv"
    rules.write_text("关注领域,区划,承办部门\ntraffic,,transport\n")
    children = tmp_path / "children.csv"
    children.write_text(
        "花名册编号 / roster number,年龄段 / age band,学校 / school\nR001,9-11,wensan-school\n"
    )

    out = run("import_routing_rules", str(rules), commit=True)
    assert "Written." in out
    assert RoutingRule.objects.get().department.code == "transport"

    with pytest.raises(CommandError, match="Nothing was written"):
        run("import_children", str(children), commit=True)
    assert not Child.objects.exists()
