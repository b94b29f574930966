"""The annual report's files, opened as their readers open them."""

import csv
import io
import zipfile
from decimal import Decimal
from io import BytesIO

import openpyxl
import pypdfium2
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation
from pypdf import PdfReader

from reports.exports import write_csv, write_pdf, write_xlsx
from reports.figures import suppressed, year_figures
from suggestions.models import Outcome
from tests.activities.test_activities import log
from tests.groups.factories import (
    CommunityFactory,
    MentorFactory,
    SchoolFactory,
    alliance_with_members,
    sub_team_with_members,
)
from tests.suggestions.factories import SuggestionFactory

pytestmark = pytest.mark.django_db
HOSTILE_UNIT = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture
def figures():
    """A small year: one activity with 3 children (hidden: fewer than 5) and one with 12, and
    an outcome whose unit someone typed as a formula."""
    sub_team, children = sub_team_with_members(3)
    team = (sub_team, children, MentorFactory(sub_teams=[sub_team]).user)
    log(team, title="圆桌会", children_count=3, attendees=children[:2])
    log(team, title="安全宣传", kind="safety_outreach", children_count=12, attendees=[])
    log(team, title="实地走访", kind="site_visit", children_count=20, attendees=[])
    Outcome.objects.create(
        suggestion=SuggestionFactory(state="implemented"),
        description="做好了",
        quantity=Decimal(3),
        unit=HOSTILE_UNIT,
        completed_on=timezone.localdate(),
    )
    with translation.override("en"):
        return suppressed(year_figures(timezone.localdate().year))


def test_the_xlsx_has_a_sheet_per_section_native_charts_and_formulas_kept_as_text(figures):
    out = BytesIO()
    with translation.override("en"):
        write_xlsx(figures, out)

    workbook = openpyxl.load_workbook(BytesIO(out.getvalue()))
    assert workbook.sheetnames[0] == "Summary"
    assert "Activities by kind" in workbook.sheetnames
    kinds = workbook["Activities by kind"]
    values = {kinds.cell(r, 1).value: kinds.cell(r, 3).value for r in range(4, kinds.max_row + 1)}
    assert values["Site visit"] == 20
    assert values["Round table"] == "<5"
    assert values["Safety outreach"] == "(withheld)", "else the total would give the 3 away"
    outcomes = workbook["What was built or changed"]
    cell = next(c for c in outcomes["A"] if c.value == HOSTILE_UNIT)
    assert cell.data_type == "s", "a formula typed by someone stays text"
    names = zipfile.ZipFile(BytesIO(out.getvalue())).namelist()
    assert any(name.startswith("xl/charts/chart") for name in names)


def test_the_pdf_holds_the_figures_in_chinese_and_renders(figures):
    out = BytesIO()
    with translation.override("zh-hans"):
        chinese = suppressed(year_figures(timezone.localdate().year))
        write_pdf(chinese, out)

    reader = PdfReader(BytesIO(out.getvalue()))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "安全宣传" in text
    assert "实地走访" in text
    assert "20" in text.replace("2026", "")
    assert HOSTILE_UNIT in text, "shown as the text it is"
    page = pypdfium2.PdfDocument(out.getvalue())[0].render(scale=0.5).to_pil().convert("L")
    assert page.getextrema()[0] < 128, "the page has ink on it"


def test_the_csv_zip_has_a_file_per_table_with_formulas_defused(figures):
    out = BytesIO()
    write_csv(figures, out)

    archive = zipfile.ZipFile(BytesIO(out.getvalue()))
    names = archive.namelist()
    assert len(names) == len(figures.tables) + 1
    outcomes = next(name for name in names if name.endswith("outcomes.csv"))
    text = archive.read(outcomes).decode("utf-8")
    assert text.startswith("\ufeff")
    cells = [row[0] for row in csv.reader(io.StringIO(text.lstrip("\ufeff")))]
    assert "'" + HOSTILE_UNIT in cells


def test_an_empty_year_gives_a_valid_report_that_says_so():
    with translation.override("en"):
        figures = suppressed(year_figures(2021))
        xlsx, pdf = BytesIO(), BytesIO()
        write_xlsx(figures, xlsx)
        write_pdf(figures, pdf)

    summary = openpyxl.load_workbook(BytesIO(xlsx.getvalue()))["Summary"]
    assert summary["A3"].value == "There are no records for this year."
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.getvalue())).pages)
    assert "There are no records for this year." in text


def test_the_command_writes_the_report_for_scripts(tmp_path, figures):
    output = tmp_path / "report.xlsx"

    call_command(
        "export_annual_report",
        year=timezone.localdate().year,
        format="xlsx",
        output=output,
        language="en",
        stdout=io.StringIO(),
    )

    assert "Summary" in openpyxl.load_workbook(output).sheetnames
    with pytest.raises(CommandError):
        call_command("export_annual_report", year=1999, format="pdf", output=output)


def test_the_summary_shows_the_three_levels_of_groups_apart_not_added_up():
    sub_team_with_members(1)
    alliance_with_members(SchoolFactory(), CommunityFactory(), fostered=3)
    with translation.override("en"):
        figures = suppressed(year_figures(timezone.localdate().year))
        out = BytesIO()
        write_xlsx(figures, out)

    summary = openpyxl.load_workbook(BytesIO(out.getvalue()))["Summary"]
    figures_shown = {row[0]: row[1] for row in summary.iter_rows(min_row=5, values_only=True)}
    assert figures_shown["Municipal observation group"] == 1
    assert figures_shown["Alliance member groups"] == 2
    assert figures_shown["Child participation organisations"] == 6
    assert 9 not in figures_shown.values()
    assert "Observation groups" not in figures_shown


def test_the_xlsx_chart_of_days_at_each_desk_draws_the_median_and_90th_percentile(figures):
    out = BytesIO()
    with translation.override("en"):
        write_xlsx(figures, out)

    archive = zipfile.ZipFile(BytesIO(out.getvalue()))
    charts = [archive.read(name).decode() for name in archive.namelist() if "charts/chart" in name]
    days = next(chart for chart in charts if "Days at each desk" in chart)
    assert "'Days at each desk'!$D$4:$D$7" in days
    assert "'Days at each desk'!$E$4:$E$7" in days
    assert "'Days at each desk'!$B$4" not in days, "not how many entered"


def test_each_xlsx_sheet_prints_one_page_wide_with_its_header_on_every_page(figures):
    out = BytesIO()
    with translation.override("en"):
        write_xlsx(figures, out)

    workbook = openpyxl.load_workbook(BytesIO(out.getvalue()))
    for sheet in workbook.worksheets:
        setup = sheet.page_setup
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        # fitToWidth is 1 where it is left out (ECMA-376).
        assert (setup.fitToWidth or 1, setup.fitToHeight) == (1, 0), "one page wide, any height"
        assert setup.paperSize == 9, "A4"
        assert "&P" in sheet.oddFooter.right.text, "page numbers"
        if sheet.title != "Summary":
            assert sheet.print_title_rows == "$3:$3", f"{sheet.title}: the header row repeats"
    assert workbook["Days at each desk"].page_setup.orientation == "landscape", "eight columns"
    assert workbook["Activities by kind"].page_setup.orientation == "portrait"


def test_xlsx_sheet_names_are_cut_between_words_and_the_contents_reach_them(figures):
    out = BytesIO()
    with translation.override("en"):
        write_xlsx(figures, out)

    workbook = openpyxl.load_workbook(BytesIO(out.getvalue()))
    titles = [table.sheet_title or table.title for table in figures.tables]
    names = workbook.sheetnames[1:]
    for title, name in zip(titles, names, strict=True):
        assert len(name) <= 31
        assert title == name or title.startswith(name + " "), f"{name!r} cut mid-word"
    assert "Suggestions in alliance groups" in names, "its own short name, not one cut short"
    links = [cell.hyperlink.location for cell in workbook["Summary"]["A"] if cell.hyperlink]
    assert len(links) == len(names)
    for name, location in zip(names, links, strict=True):
        target = location.rsplit("!", 1)[0]
        if target.startswith("'"):
            target = target[1:-1].replace("''", "'")
        assert target == name


def test_a_long_sheet_name_is_cut_between_words_and_not_on_a_small_word():
    from reports.exports import _sheet_name

    used = set()
    first = _sheet_name("Suggestions made in the alliance's member groups", used)
    second = _sheet_name("Suggestions made in the alliance's member groups", used)
    chinese = _sheet_name("按市级观察团小队统计的建议" * 3, used)

    assert first == "Suggestions made", "not 'Suggestions made in the allia' nor '… in the'"
    assert second == first + " 2"
    assert len(chinese) == 31
