"""What a review of the imports found, each pinned: columns left out of a file, a broker that
is down, dates Excel made of codes, leading zeros it dropped, codes that are also someone's
name, round trips of records made in the admin, and a preview confirmed twice."""

import io
from datetime import date, timedelta

import pytest
import xlsxwriter
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from groups.models import (
    Alliance,
    Child,
    GroupLevel,
    ObservationGroup,
    Organisation,
    StaffMember,
)
from imports import alliance, children, organisations, services, staff, tasks
from imports.base import Action
from imports.kinds import IMPORTERS
from imports.models import ImportBatch
from imports.tabular import read_table
from messaging import services as outbox
from messaging import tasks as outbox_tasks
from privacy.models import ConsentRequest
from tests.groups.factories import (
    AdminFactory,
    ChildFactory,
    DepartmentFactory,
    DistrictFactory,
    GuardianshipFactory,
    SchoolFactory,
    StaffFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def table(importer, text):
    return read_table(text.encode(), importer.COLUMNS, max_bytes=10**6)


def test_an_update_keeps_what_the_file_leaves_out():
    xihu = DistrictFactory(code="xihu")
    DepartmentFactory(code="edu", name="教育局", name_en="Education Bureau", district=xihu)
    text = "组织代码,类型,名称\nedu,department,教育局(新)\n"

    plan = organisations.plan(table(organisations, text))
    (row,) = plan.rows
    assert row.changes == [("name", "教育局", "教育局(新)")]
    organisations.apply(table(organisations, text))

    edu = Organisation.objects.get(code="edu")
    assert (edu.name, edu.name_en, edu.district) == ("教育局(新)", "Education Bureau", xihu)


def test_an_alliance_groups_update_keeps_its_english_name_and_founding_date():
    school = SchoolFactory(code="s1")
    the_alliance = Alliance.objects.create(name="联盟")
    group = ObservationGroup.objects.create(
        level=GroupLevel.ALLIANCE_MEMBER,
        organisation=school,
        alliance=the_alliance,
        name="观察团",
        name_en="Observers",
        founded_on=date(2024, 5, 1),
    )
    alliance.IMPORTER.apply(table(alliance, "所属学校或社区,观察团名称\ns1,新观察团\n"))
    group.refresh_from_db()
    assert (group.name, group.name_en, group.founded_on) == (
        "新观察团",
        "Observers",
        date(2024, 5, 1),
    )


def test_a_broker_that_is_down_leaves_the_import_standing_and_its_mail_to_the_sweeper(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    def down(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(outbox_tasks.send_messages, "apply_async", down)
    SchoolFactory(code="s1")
    client.force_login(AdminFactory())
    batch = services.batch_upload(
        importer=IMPORTERS["staff"],
        file_name="staff.csv",
        data="电子邮箱,姓名,所属单位,角色\na@example.org,甲,s1,school\n".encode(),
        user=AdminFactory(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("import_batch", args=[batch.pk]))

    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.state == "applied"
    assert StaffMember.objects.filter(user__email="a@example.org").exists()
    assert mail.outbox == []
    assert outbox.messages_resend(now=timezone.now() + timedelta(minutes=3)) == 1
    assert mail.outbox[0].to == ["a@example.org"]


def test_a_consent_request_task_run_twice_sends_once(django_capture_on_commit_callbacks):
    guardianship = GuardianshipFactory(guardian__user__email="mum@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        tasks.consent_requests_send([guardianship.pk], None)
        tasks.consent_requests_send([guardianship.pk], None)
    assert ConsentRequest.objects.filter(guardianship=guardianship).count() == 1
    assert len(mail.outbox) == 1


def children_csv(*rows):
    header = "花名册编号,化名,年龄段,学校,加入日期,监护人邮箱\n"
    return header + "".join(",".join(row) + "\n" for row in rows)


def test_a_joining_date_after_the_leaving_date_is_refused_on_its_row():
    school = SchoolFactory(code="s1")
    ChildFactory(
        roster_number="R1",
        school=school,
        joined_on=date(2024, 1, 1),
        left_on=date(2025, 1, 1),
    )
    plan = children.IMPORTER.plan(
        table(children, children_csv(("R1", "", "9-11", "s1", "2025-06-01", "")))
    )
    (row,) = plan.rows
    assert row.action == Action.REFUSED
    assert "The child left on 2025-01-01" in row.problems[0]


def test_a_guardian_e_mail_too_long_for_a_login_is_refused():
    SchoolFactory(code="s1")
    email = "a" * 140 + "@example.org"
    plan = children.IMPORTER.plan(
        table(children, children_csv(("R1", "", "9-11", "s1", "", email)))
    )
    assert "longer than 150" in plan.rows[0].problems[0]


def test_an_exact_code_finds_its_record_even_when_another_has_it_as_a_name():
    DistrictFactory(code="xihu", name="西湖区")
    DepartmentFactory(code="dep", name="部门", name_en="xihu")
    plan = staff.IMPORTER.plan(
        table(staff, "电子邮箱,姓名,所属单位,角色\nx@example.org,某人,dep,department\n")
    )
    assert plan.ok
    SchoolFactory(code="shiyan", name="实验小学")
    SchoolFactory(code="other", name="另一所", name_en="Shiyan")
    plan = children.IMPORTER.plan(
        table(children, children_csv(("R1", "", "9-11", "shiyan", "", "m@example.org")))
    )
    assert plan.ok, plan.rows[0].problems


def test_leading_zeros_excel_dropped_are_refused_not_a_second_child():
    school = SchoolFactory(code="s1")
    ChildFactory(roster_number="007", school=school)
    plan = children.IMPORTER.plan(
        table(children, children_csv(("7", "", "9-11", "s1", "", "m@example.org")))
    )
    assert plan.rows[0].action == Action.REFUSED
    assert "leading zeros" in plan.rows[0].problems[0]


def test_a_code_excel_turned_into_a_date_is_refused_with_what_to_do():
    SchoolFactory(code="s1")
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True})
    sheet = book.add_worksheet()
    for c, text in enumerate(["花名册编号", "年龄段", "学校", "监护人邮箱", "加入日期"]):
        sheet.write_string(0, c, text)
    dated = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_datetime(1, 0, timezone.datetime(2026, 3, 12), dated)
    sheet.write_string(1, 1, "9-11")
    sheet.write_string(1, 2, "s1")
    sheet.write_string(1, 3, "m@example.org")
    sheet.write_datetime(1, 4, timezone.datetime(2025, 9, 1), dated)  # a real date: fine
    book.close()

    plan = children.IMPORTER.plan(children.IMPORTER.read(output.getvalue()))

    (row,) = plan.rows
    assert row.action == Action.REFUSED
    assert row.problems == [
        "Excel holds the 花名册编号 / roster number as a date (2026-03-12), not as what was "
        "typed: format the column as Text, type the value again, and upload the file again."
    ]


def test_staff_made_in_the_admin_without_a_name_round_trip():
    StaffFactory(user__email="x@example.org", user__display_name="")
    rows = staff.IMPORTER.export()
    text = "电子邮箱,姓名,所属单位,角色,职务\n" + "".join(
        ",".join(row[c.key] for c in staff.COLUMNS) + "\n" for row in rows
    )
    assert staff.IMPORTER.plan(table(staff, text)).nothing_to_change


def test_a_child_joining_in_the_future_in_the_admin_round_trips():
    school = SchoolFactory(code="s1")
    ChildFactory(
        roster_number="R1", school=school, joined_on=timezone.localdate() + timedelta(days=3)
    )
    (row,) = children.IMPORTER.export()
    text = "花名册编号,化名,年龄段,学校,社区,加入日期\n" + ",".join(
        row[key]
        for key in ("roster_number", "pseudonym", "age_band", "school", "community", "joined_on")
    )
    assert children.IMPORTER.plan(table(children, text)).nothing_to_change


def test_a_name_stored_with_two_spaces_is_not_changed_by_every_import():
    DistrictFactory(code="xihu", name="西湖  区", name_en="Xihu\u3000District")
    text = "组织代码,类型,名称,英文名称\nxihu,district,西湖  区,Xihu\u3000District\n"
    assert organisations.plan(table(organisations, text)).nothing_to_change


def organisations_batch(admin):
    return services.batch_upload(
        importer=IMPORTERS["organisations"],
        file_name="o.csv",
        data="组织代码,类型,名称\nd1,district,一区\n".encode(),
        user=admin,
    )


def test_a_preview_confirmed_twice_is_queued_once_and_written_once(
    client, django_capture_on_commit_callbacks
):
    client.force_login(AdminFactory())
    batch = organisations_batch(AdminFactory())
    url = reverse("import_batch", args=[batch.pk])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert client.post(url).status_code == 302
        # A double click, before the worker has written it: its page says it is being written.
        second = client.post(url, follow=True)
    assert "the background worker is writing it now" in second.text
    assert len(queued) == 1
    queued[0]()
    tasks.batch_apply(batch.pk)  # a redelivered task writes nothing more
    batch.refresh_from_db()
    assert (batch.state, batch.created) == ("applied", 1)
    assert Organisation.objects.filter(code="d1").count() == 1


def test_a_worker_that_cannot_be_reached_sends_the_import_back_to_its_preview(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    def down(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(tasks.batch_apply, "apply_async", down)
    client.force_login(AdminFactory())
    batch = organisations_batch(AdminFactory())
    url = reverse("import_batch", args=[batch.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    page = client.get(url).text
    assert "the background worker could not be reached" in page
    assert "Confirm: create 1" in page
    assert not Organisation.objects.exists()


def test_a_worker_that_fails_sends_the_import_back_to_its_preview(monkeypatch):
    batch = organisations_batch(AdminFactory())
    ImportBatch.objects.filter(pk=batch.pk).update(state="applying")

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(organisations.IMPORTER, "write", broken)
    with pytest.raises(RuntimeError):
        tasks.batch_apply(batch.pk)
    batch.refresh_from_db()
    assert (batch.state, batch.problem) == ("pending", "failed")
    assert not Organisation.objects.exists()


def test_an_unconfirmed_file_is_forgotten_after_a_day(client):
    client.force_login(AdminFactory())
    batch = services.batch_upload(
        importer=IMPORTERS["organisations"],
        file_name="o.csv",
        data=b"x,y\n1,2\n",
        user=AdminFactory(),
    )
    ImportBatch.objects.filter(pk=batch.pk).update(uploaded_at=timezone.now() - timedelta(days=2))
    page = client.get(reverse("import_batch", args=[batch.pk]))
    assert "was discarded" in page.text
    batch.refresh_from_db()
    assert (batch.state, bytes(batch.data)) == ("discarded", b"")

    other = services.batch_upload(
        importer=IMPORTERS["staff"], file_name="s.csv", data=b"x", user=AdminFactory()
    )
    ImportBatch.objects.filter(pk=other.pk).update(uploaded_at=timezone.now() - timedelta(days=2))
    assert tasks.discard_stale_uploads() == 1


def test_a_file_with_a_header_only_says_so(client):
    client.force_login(AdminFactory())
    batch = services.batch_upload(
        importer=IMPORTERS["organisations"],
        file_name="o.csv",
        data="组织代码,类型,名称\n".encode(),
        user=AdminFactory(),
    )
    page = client.get(reverse("import_batch", args=[batch.pk])).text
    assert "no rows below its header" in page
    assert "Nothing to change" not in page and "Confirm" not in page
    assert not Child.objects.exists()


def test_what_the_worker_writes_is_recorded_as_the_confirming_admins(
    client, django_capture_on_commit_callbacks
):
    from auditlog.models import LogEntry

    admin = AdminFactory()
    client.force_login(admin)
    batch = organisations_batch(admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import_batch", args=[batch.pk]))
    entries = LogEntry.objects.get_for_object(batch).order_by("pk")
    assert [entry.changes["state"][1] for entry in entries[1:]] == ["applying", "applied"]
    assert {entry.actor for entry in entries[1:]} == {admin}


def test_a_batch_the_worker_never_finished_can_be_confirmed_again_and_is_forgotten_in_a_day(
    client, django_capture_on_commit_callbacks
):
    admin = AdminFactory()
    client.force_login(admin)
    batch = organisations_batch(admin)
    ImportBatch.objects.filter(pk=batch.pk).update(
        state="applying", confirmed_by=admin, confirmed_at=timezone.now() - timedelta(hours=2)
    )
    page = client.get(reverse("import_batch", args=[batch.pk])).text
    assert "did not finish writing this file within an hour" in page
    assert "Confirm: create 1" in page and 'http-equiv="refresh"' not in page

    ImportBatch.objects.filter(pk=batch.pk).update(confirmed_at=timezone.now() - timedelta(days=2))
    assert services.batch_discard_stale() == 1
    batch.refresh_from_db()
    assert (batch.state, bytes(batch.data)) == ("discarded", b"")


def test_a_batch_being_written_reloads_its_page_and_a_second_confirm_lands_there(
    client, django_capture_on_commit_callbacks
):
    admin = AdminFactory()
    client.force_login(admin)
    batch = organisations_batch(admin)
    url = reverse("import_batch", args=[batch.pk])
    with django_capture_on_commit_callbacks(execute=False):
        client.post(url)
    page = client.get(url).text
    assert 'http-equiv="refresh"' in page
    again = client.post(url)
    assert again["Location"] == url


def test_a_conflict_when_written_is_told_apart_from_refused_rows(monkeypatch):
    from django.db import IntegrityError

    admin = AdminFactory()
    batch = organisations_batch(admin)
    ImportBatch.objects.filter(pk=batch.pk).update(state="applying", confirmed_by=admin)

    def clash(plan, user):
        raise IntegrityError("duplicate key")

    monkeypatch.setattr(organisations.IMPORTER, "write", clash)
    tasks.batch_apply(batch.pk)
    batch.refresh_from_db()
    assert (batch.state, batch.problem) == ("pending", "conflict")
