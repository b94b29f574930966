from io import BytesIO

import openpyxl
import pytest
from django.core.management import call_command
from playwright.sync_api import expect
from pypdf import PdfReader

from groups.models import User

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(portal):
    call_command("seed_demo")
    return portal


def _make_and_download(demo, format_label, language_label):
    page = demo.page
    demo.goto("/en/reports/?year=2026")
    page.get_by_label(format_label, exact=True).check()
    page.get_by_label(language_label, exact=True).check()
    page.get_by_role("button", name="Make the report").click()
    expect(page.locator(".messages")).to_contain_text("being made")
    # The page reloads itself every 3 seconds while the worker makes the file.
    newest = page.locator("#exports-section tbody tr").first
    expect(newest).to_contain_text(format_label)
    link = newest.get_by_role("link", name="Download")
    expect(link).to_be_visible(timeout=90_000)
    with page.expect_download() as download:
        link.click()
    return download.value.path().read_bytes()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.worker
def test_an_admin_asks_for_the_years_report_waits_and_downloads_xlsx_and_pdf(
    demo, celery_worker_process
):
    demo.log_in_as(User.objects.get(username="admin"))

    xlsx = openpyxl.load_workbook(BytesIO(_make_and_download(demo, "XLSX", "English")))
    # The figures, then (after a blank row) the contents, which repeat some titles.
    rows = xlsx["Summary"].iter_rows(min_row=5, values_only=True)
    summary = {}
    for label, value, *_rest in rows:
        if label is None:
            break
        summary[label] = value
    assert summary["Activities by the alliance's groups"] == 401
    assert summary["Children reached by safety outreach"] == 21500
    assert summary["Practice bases"] == 100

    pdf = PdfReader(BytesIO(_make_and_download(demo, "PDF", "Simplified Chinese")))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "杭州市儿童观察团 2026 年度报告" in text
    assert "21,500" in text
    assert "65,000" in text
    assert demo.foreign_requests() == []


def test_the_figures_pages_are_accessible_in_both_languages_and_fit_a_phone(demo):
    found = demo.problems("/figures/?year=2026")
    demo.log_in_as(User.objects.get(username="admin"))
    found += demo.problems("/reports/?year=2026")

    assert found == []
