"""The import pages: upload, a preview row by row, confirm; templates and exports."""

import io
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from groups.models import Organisation, OrganisationKind, User
from imports import selectors, services
from imports.kinds import IMPORTERS
from imports.models import ImportBatch
from imports.tabular import header_text, read_table
from tests.groups.factories import AdminFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "组织代码 / code,类型 / kind,名称 / name,英文名称 / English name,"
    "所在区 / district,所属社区 / community\n"
)
GOOD = (
    HEADER
    + "xihu,district,西湖区,Xihu District,,\n"
    + "wensan,社区,文三社区,,西湖区,\n"
    + "wensan-school,School,文三街小学,Wensan Street Primary School,xihu,wensan\n"
)


@pytest.fixture
def office(client):
    client.force_login(AdminFactory())
    return client


def csv_file(text, name="organisations.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def upload(client, text, kind="organisations", **options):
    with translation.override("en"):
        url = reverse("import_upload", args=[kind])
    return client.post(url, {"file": csv_file(text, **options)})


@pytest.fixture
def confirm(office, django_capture_on_commit_callbacks):
    """Confirm a preview; the worker (eager in the tests) writes it after the commit."""

    def post(location, follow=False):
        with django_capture_on_commit_callbacks(execute=True):
            response = office.post(location)
        return office.get(response["Location"]) if follow else response

    return post


def test_upload_preview_confirm_and_the_same_file_again(office, confirm):
    response = upload(office, GOOD)
    assert response.status_code == 302
    preview = office.get(response["Location"])
    page = preview.content.decode()
    assert "文三街小学" in page and "Confirm: create 3, update 0" in page
    assert not Organisation.objects.exists()

    done = confirm(response["Location"], follow=True)
    assert "3 created, 0 updated." in done.content.decode()
    school = Organisation.objects.get(code="wensan-school")
    assert school.kind == OrganisationKind.SCHOOL and school.community.code == "wensan"
    batch = ImportBatch.objects.get()
    assert (batch.state, batch.created, bytes(batch.data)) == ("applied", 3, b"")

    again = office.get(upload(office, GOOD)["Location"]).content.decode()
    assert "Nothing to change" in again and "Confirm" not in again


def test_a_confirmed_preview_cannot_be_confirmed_twice(office, confirm):
    location = upload(office, GOOD)["Location"]
    confirm(location)
    response = confirm(location, follow=True)  # lands on the batch's page, which says it is done
    assert "3 created, 0 updated." in response.content.decode()
    assert Organisation.objects.count() == 3
    assert ImportBatch.objects.get().created == 3


def test_refused_rows_are_shown_with_their_number_and_nothing_can_be_confirmed(office, confirm):
    bad = GOOD + "wensan,district,重复,,,\n" + "x2,planet,某地,,,\n"
    page = office.get(upload(office, bad)["Location"])
    text = page.content.decode()
    assert "2 rows are refused" in text
    assert "wensan is also on row 3" in text and "Unknown kind “planet”" in text
    assert "Confirm" not in text
    # Confirmed anyway (a form kept from before): the worker refuses it, writes nothing, and
    # the preview says so.
    response = confirm(upload(office, bad)["Location"], follow=True)
    assert "Nothing was written: when the worker came to write the file" in response.text
    assert "wensan is also on row 3" in response.text
    assert not Organisation.objects.exists()
    assert ImportBatch.objects.filter(state="pending", problem="refused").count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "not a spreadsheet"),
        ("组织代码 / code,名称 / name\nx,y\n".encode(), "required column “类型 / kind” is missing"),
        (b"", "The submitted file is empty"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_on_the_form_and_nothing_is_kept(
    office, data, message
):
    with translation.override("en"):
        url = reverse("import_upload", args=["organisations"])
    response = office.post(url, {"file": SimpleUploadedFile("x.csv", data)})
    if b"required column" in message.encode():
        # Header problems are the preview's: the file is kept for it, nothing is written.
        text = office.get(response["Location"]).content.decode()
        assert message in text
    else:
        assert response.status_code == 400
        assert message in response.content.decode()
        assert not ImportBatch.objects.exists()
    assert not Organisation.objects.exists()


@override_settings(IMPORT_MAX_BYTES=100)
def test_a_file_over_the_limit_is_refused_with_what_to_do(office):
    response = upload(office, GOOD)
    assert response.status_code == 400
    assert "larger than" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_gbk_csv_from_excel_is_read(office):
    location = upload(office, GOOD, encoding="gb18030")["Location"]
    assert "文三街小学" in office.get(location).content.decode()


@pytest.mark.parametrize("kind", list(IMPORTERS))
def test_each_template_has_the_bilingual_header_and_reads_back(office, kind):
    importer = IMPORTERS[kind]
    response = office.get(reverse("import_template", args=[kind]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{kind}-template.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == [header_text(c) for c in importer.columns]
    table = read_table(response.content, importer.columns, max_bytes=10**6)
    assert (table.problems, table.rows) == ([], [])


def test_the_export_imports_again_with_nothing_to_change(office):
    school = SchoolFactory(code="007-school", name="=HYPERLINK(1)")
    response = office.get(reverse("import_export", args=["organisations"]))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert ["007-school", "school", "=HYPERLINK(1)"] in [row[:3] for row in values]
    with translation.override("en"):  # the English pages, whichever test ran before
        location = office.post(
            reverse("import_upload", args=["organisations"]),
            {"file": SimpleUploadedFile("export.xlsx", response.content)},
        )["Location"]
    assert "Nothing to change" in office.get(location).content.decode()
    assert Organisation.objects.get(code="007-school").name == school.name


@pytest.mark.parametrize("role", ["school", "mentor", "guardian", "child", "department"])
def test_only_the_programme_office_may_import(client, role):
    client.force_login(UserFactory(role=role))
    for url in (
        reverse("imports"),
        reverse("import_upload", args=["organisations"]),
        reverse("import_template", args=["staff"]),
        reverse("import_export", args=["children"]),
    ):
        assert client.get(url).status_code == 403
    response = client.post(
        reverse("import_upload", args=["organisations"]), {"file": csv_file(GOOD)}
    )
    assert response.status_code == 403
    assert not ImportBatch.objects.exists()


def test_an_unknown_kind_is_not_found(office):
    assert office.get(reverse("import_upload", args=["planets"])).status_code == 404


def test_the_file_waits_encrypted(office):
    upload(office, GOOD)
    batch = ImportBatch.objects.get()
    assert "文三".encode() not in bytes(batch.data)
    assert batch.file_bytes() == GOOD.encode()


def test_the_audit_trail_records_who_uploaded_and_confirmed_which_file(office, confirm):
    from auditlog.models import LogEntry

    location = upload(office, GOOD)["Location"]
    confirm(location)
    batch = ImportBatch.objects.get()
    entries = LogEntry.objects.get_for_object(batch).order_by("pk")
    assert [entry.action for entry in entries] == [LogEntry.Action.CREATE] + [
        LogEntry.Action.UPDATE
    ] * 2
    confirmed, applied = entries[1], entries[2]
    assert confirmed.changes["state"] == ["pending", "applying"]
    assert confirmed.actor == batch.confirmed_by
    assert "confirmed_by" in confirmed.changes
    assert applied.changes["state"] == ["applying", "applied"]
    assert applied.changes["created"] == ["0", "3"]
    assert "data" not in entries[0].changes


def test_what_the_file_says_is_shown_as_text(office):
    payload = '<script>alert("x")</script>'
    text = HEADER + f"x1,district,{payload},,,\n"
    page = office.get(upload(office, text, name=f"{payload}.csv")["Location"])
    body = page.content.decode()
    assert payload not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def test_a_new_staff_login_sets_its_password_by_the_e_mailed_link(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    from tests.groups.factories import SchoolFactory as School

    School(code="s1")
    client.force_login(AdminFactory())
    text = "电子邮箱,姓名,所属单位,角色\nli.wei@example.org,李老师,s1,school\n"
    location = upload(client, text, kind="staff")["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(location)
    (message,) = mailoutbox
    link = next(word for word in message.body.split() if "/accounts/password/reset/" in word)
    client.logout()

    # Django's view hides the token behind a redirect to ".../set-password/".
    form = client.get(urlsplit(link).path, follow=True)
    assert form.status_code == 200 and "new_password1" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a long pass phrase 42", "new_password2": "a long pass phrase 42"},
    )
    assert done.status_code == 302
    login = User.objects.get(email="li.wei@example.org")
    assert login.check_password("a long pass phrase 42")
    # The link works once.
    assert "此链接已失效" in client.get(urlsplit(link).path, follow=True).text


BOMB_REFUSED = {
    "zh-hans": "此工作簿解压后超过其大小的 100 倍",
    "en": "This workbook unpacks to more than 100 times its size",
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_workbook_that_unpacks_to_millions_of_cells_is_refused_on_the_upload_form(
    office, language
):
    from tests.imports.helpers import cell_bomb

    bomb = SimpleUploadedFile("roster.xlsx", cell_bomb(IMPORTERS["children"].columns))
    with translation.override(language):
        url = reverse("import_upload", args=["children"])

    response = office.post(url, {"file": bomb})

    assert response.status_code == 400
    assert BOMB_REFUSED[language] in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_the_worker_reads_the_cell_budget_when_it_writes(
    office, django_capture_on_commit_callbacks
):
    """The limits are the worker's own when it reads the file again: a file previewed under
    a larger budget is not written under a smaller one."""
    location = upload(office, GOOD)["Location"]
    assert "Confirm: create 3" in office.get(location).content.decode()

    with override_settings(IMPORT_MAX_CELLS=10), django_capture_on_commit_callbacks(execute=True):
        office.post(location)

    batch = ImportBatch.objects.get()
    assert (batch.state, batch.problem) == ("pending", "refused")
    assert not Organisation.objects.exists()


def test_the_latest_uploads_are_one_query(django_assert_num_queries):
    admin = AdminFactory()
    for kind in ("staff", "organisations", "children"):
        services.batch_upload(importer=IMPORTERS[kind], file_name="f.csv", data=b"x", user=admin)

    with django_assert_num_queries(1):
        rows = selectors.recent_batches()

    assert [row.title for row in rows] == [
        IMPORTERS[kind].title for kind in ("children", "organisations", "staff")
    ]
    assert {row.uploaded_by for row in rows} == {admin}
