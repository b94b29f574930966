"""The programme office imports its organisations in the browser: upload, preview, confirm,
find the schools in the portal; the same file again has nothing to change. The import pages
pass the accessibility checks in both languages and on a phone."""

import io

import pytest
import xlsxwriter
from playwright.sync_api import expect

from groups.models import Organisation
from imports import services as import_services
from imports.kinds import IMPORTERS
from imports.models import ImportBatch
from tests.groups.factories import AdminFactory

pytestmark = pytest.mark.browser


def organisations_xlsx():
    """As an office makes it: a merged title banner, the bilingual header, blank rows after."""
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.merge_range("A1:F1", "2026年学校和社区名单")
    header = ["组织代码", "类型", "名称", "英文名称", "所在区", "所属社区"]
    rows = [
        ["gongshu", "区", "拱墅区", "Gongshu District", "", ""],
        ["daguan", "社区", "大关社区", "Daguan Community", "拱墅区", ""],
        ["daguan-school", "学校", "大关小学", "Daguan Primary School", "gongshu", "daguan"],
        ["ｄａｇｕａｎ－ｍｉｄｄｌｅ", "学校", "大关中学", "", "拱墅区", "大关社区"],
    ]
    for c, text in enumerate(header):
        sheet.write_string(1, c, text)
    for r, row in enumerate(rows, start=2):
        for c, text in enumerate(row):
            if text:
                sheet.write_string(r, c, text)
    sheet.write_string(10, 0, "")
    book.close()
    return output.getvalue()


def upload(page, data):
    page.get_by_label("Spreadsheet").set_input_files(
        {
            "name": "学校名单.xlsx",
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": data,
        }
    )
    page.get_by_role("button", name="Preview").click()


def test_the_office_imports_its_schools_and_the_same_file_again_changes_nothing(portal):
    portal.log_in_as(AdminFactory())
    page = portal.page
    data = organisations_xlsx()

    portal.goto("/en/imports/")
    page.get_by_role("link", name="Upload a file: Organisations").click()
    upload(page, data)
    expect(page.get_by_role("heading", name="Rows to create")).to_be_visible()
    expect(page.get_by_role("row", name="5 daguan-school")).to_contain_text("大关小学")
    expect(page.get_by_role("row", name="6 daguan-middle")).to_contain_text("大关中学")
    assert not Organisation.objects.exists()

    page.get_by_role("button", name="Confirm: create 4, update 0").click()
    # The worker writes it (eagerly in the tests): the page tells when it is done.
    expect(page.get_by_text("4 created, 0 updated.")).to_be_visible()

    school = Organisation.objects.get(code="daguan-school")
    portal.goto(f"/en/organisations/{school.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Daguan Primary School")
    portal.goto(f"/organisations/{school.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("大关小学")

    portal.goto("/en/imports/organisations/")
    upload(page, data)
    expect(page.get_by_role("status").filter(has_text="Nothing to change")).to_be_visible()
    expect(page.get_by_role("button", name="Confirm")).to_have_count(0)
    assert Organisation.objects.count() == 4


def test_a_file_that_is_not_a_spreadsheet_is_refused_on_the_form(portal):
    portal.log_in_as(AdminFactory())
    page = portal.page
    portal.goto("/imports/organisations/")
    page.get_by_label("电子表格").set_input_files(
        {"name": "照片.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n\x00\x00"}
    )
    page.get_by_role("button", name="预览").click()
    expect(page.get_by_text("这个文件不是电子表格")).to_be_visible()
    assert not ImportBatch.objects.exists()


def test_the_import_pages_pass_in_both_languages_and_on_a_phone(portal):
    admin = AdminFactory()
    good = import_services.batch_upload(
        importer=IMPORTERS["organisations"],
        file_name="good.xlsx",
        data=organisations_xlsx(),
        user=admin,
    )
    bad = import_services.batch_upload(
        importer=IMPORTERS["children"],
        file_name="名单.csv",
        data="花名册编号,年龄段,学校\nHZ1,99岁,nowhere\n,6-8,\n".encode(),
        user=admin,
    )
    portal.log_in_as(admin)

    assert portal.problems("/imports/") == []
    assert portal.problems("/imports/children/") == []
    assert portal.problems(f"/imports/batches/{good.pk}/") == []
    assert portal.problems(f"/imports/batches/{bad.pk}/") == []
    portal.page.context.clear_cookies()
    assert portal.problems("/accounts/password/reset/") == []
    assert portal.problems("/accounts/password/reset/sent/") == []


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.worker
def test_a_roster_confirmed_in_the_browser_is_written_by_the_real_worker(
    portal, celery_worker_process
):
    from groups.models import Child, Guardianship
    from privacy.first_notices import publish
    from privacy.models import ConsentRequest, PrivacyNotice
    from tests.groups.factories import CommunityFactory, SchoolFactory

    publish(PrivacyNotice)
    SchoolFactory(code="daguan-school", community=CommunityFactory(code="daguan"))
    roster = (
        "花名册编号,化名,年龄段,学校,监护人邮箱,与儿童关系\n"
        "HZ0001,小蓝鲸,9-11,daguan-school,mum@example.org,母亲\n"
        "HZ0002,,6-8,daguan-school,mum@example.org,母亲\n"
    ).encode()
    portal.log_in_as(AdminFactory())
    page = portal.page

    portal.goto("/en/imports/children/")
    page.get_by_label("Spreadsheet").set_input_files(
        {"name": "花名册.csv", "mimeType": "text/csv", "buffer": roster}
    )
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("button", name="Confirm: create 2, update 0").click()
    # The page reloads itself while the worker writes the roster.
    expect(page.get_by_text("2 created, 0 updated.")).to_be_visible(timeout=90_000)

    children = Child.objects.order_by("roster_number")
    assert [child.roster_number for child in children] == ["HZ0001", "HZ0002"]
    assert not any(child.user.is_active for child in children)
    assert Guardianship.objects.filter(guardian__user__email="mum@example.org").count() == 2
    # The worker sends the consent requests after writing the roster.
    for _attempt in range(60):
        if ConsentRequest.objects.count() == 2:
            break
        page.wait_for_timeout(500)
    assert ConsentRequest.objects.count() == 2
