"""The annual report as files: XLSX (a sheet per section, native Excel charts), PDF (cover,
contents, sections with charts and tables) and CSV (a file per table, zipped).

Each writer takes figures already suppressed (figures.suppressed): no cell counts fewer than
five children, and nothing names a child. Text is written as text: a cell that starts with
"=", "+", "-" or "@" never becomes a formula.
"""

import csv
import io
import re
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from .figures import Table, YearFigures

FORMATS = {
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pdf": ("pdf", "application/pdf"),
    "csv": ("zip", "application/zip"),
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Progress reports: called with a share done (0 to 100).
Progress = Callable[[int], None]


def _no_progress(_done: int) -> None:
    return None


def _plain(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _title(figures: YearFigures) -> str:
    return _("Hangzhou Children's Observation Group: the year %(year)d") % {"year": figures.year}


def _headline_rows(figures: YearFigures) -> list[tuple[str, object]]:
    h = figures.headline
    return [
        (_("Municipal observation group"), h.get("municipal_groups")),
        (_("Alliance member groups"), h.get("alliance_groups")),
        (_("Child participation organisations"), h.get("participation_orgs")),
        (_("Active child observers"), h.get("children")),
        (_("Training sessions"), h.get("training")),
        (_("Activities"), h.get("activities")),
        (_("Activities by the alliance's groups"), h.get("alliance_activities")),
        (_("Safety outreach activities"), h.get("safety_outreach")),
        (_("Children reached by safety outreach"), h.get("safety_outreach_children")),
        (_("Suggestions written"), h.get("suggestions")),
        (_("Suggestions implemented"), h.get("implemented")),
        (_("Discussion topics"), h.get("discussion_topics")),
        (_("Practice bases"), h.get("practice_bases")),
        (_("Participants at emergency-safety venues"), h.get("emergency_safety_participants")),
    ]


# --- CSV ---------------------------------------------------------------------------------------


def _csv_cell(value):
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        # OWASP's advice for CSV injection: a leading apostrophe keeps it text in a spreadsheet.
        return "'" + value
    return value


def write_csv(figures: YearFigures, out, progress: Progress = _no_progress) -> None:
    """A zip of CSV files, one per table, UTF-8 with a byte-order mark so that Excel reads
    the Chinese correctly."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        tables = [_headline_table(figures), *figures.tables]
        for index, table in enumerate(tables, start=1):
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow([_csv_cell(c) for c in table.columns])
            writer.writerows([[_csv_cell(v) for v in row] for row in table.rows])
            archive.writestr(
                f"{figures.year}-{index:02d}-{table.key}.csv", "\ufeff" + text.getvalue()
            )
            progress(round(100 * index / len(tables)))


def _headline_table(figures: YearFigures) -> Table:
    return Table(
        key="summary",
        title=_("The year in figures"),
        columns=[_("Figure"), _("Value")],
        rows=[list(row) for row in _headline_rows(figures)],
    )


# --- XLSX --------------------------------------------------------------------------------------

INVALID_SHEET_CHARACTERS = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(title: str, used: set[str]) -> str:
    name = INVALID_SHEET_CHARACTERS.sub(" ", title)[:28].strip() or "Sheet"
    candidate, n = name, 2
    while candidate.lower() in used:
        candidate, n = f"{name[:25]} {n}", n + 1
    used.add(candidate.lower())
    return candidate


def write_xlsx(figures: YearFigures, out, progress: Progress = _no_progress) -> None:
    import xlsxwriter

    # Strings are never turned into formulas or numbers, whatever they start with.
    workbook = xlsxwriter.Workbook(
        out,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    bold = workbook.add_format({"bold": True})
    heading = workbook.add_format({"bold": True, "font_size": 16})
    used: set[str] = set()

    cover = workbook.add_worksheet(_sheet_name(_("Summary"), used))
    cover.write_string(0, 0, _title(figures), heading)
    cover.write_string(1, 0, _("Made on %(date)s") % {"date": _today()})
    if figures.empty:
        cover.write_string(2, 0, _("There are no records for this year."))
    cover.set_column(0, 0, 44)
    cover.set_column(1, 1, 14)
    for row, (label, value) in enumerate(_headline_rows(figures), start=4):
        cover.write_string(row, 0, label)
        _xlsx_write(cover, row, 1, value)
    row = 4 + len(_headline_rows(figures)) + 1
    cover.write_string(row, 0, _("Contents"), bold)

    for index, table in enumerate(figures.tables, start=1):
        sheet_name = _sheet_name(table.title, used)
        cover.write_url(row + index, 0, f"internal:'{sheet_name}'!A1", string=table.title)
        sheet = workbook.add_worksheet(sheet_name)
        sheet.write_string(0, 0, table.title, heading)
        for column, label in enumerate(table.columns):
            sheet.write_string(2, column, label, bold)
            sheet.set_column(column, column, 36 if column == 0 else 16)
        for r, values in enumerate(table.rows, start=3):
            for column, value in enumerate(values):
                _xlsx_write(sheet, r, column, value)
        if table.note:
            sheet.write_string(3 + len(table.rows) + 1, 0, table.note)
        if table.chart and table.rows:
            _xlsx_chart(workbook, sheet, sheet_name, table)
        progress(round(100 * index / len(figures.tables)))
    workbook.close()


def _xlsx_write(sheet, row, column, value):
    value = _plain(value)
    if value is None:
        sheet.write_blank(row, column, None)
    elif isinstance(value, bool):
        sheet.write_string(row, column, str(value))
    elif isinstance(value, (int, float)):
        sheet.write_number(row, column, value)
    else:
        sheet.write_string(row, column, str(value))


def _xlsx_chart(workbook, sheet, sheet_name, table: Table) -> None:
    chart = workbook.add_chart({"type": table.chart})
    last = 3 + len(table.rows) - 1
    for column in table.chart_columns:
        chart.add_series(
            {
                "name": table.columns[column],
                "categories": [sheet_name, 3, 0, last, 0],
                "values": [sheet_name, 3, column, last, column],
            }
        )
    chart.set_title({"name": table.title})
    if table.chart != "pie" and len(table.chart_columns) == 1:
        chart.set_legend({"none": True})
    sheet.insert_chart(2, len(table.columns) + 1, chart, {"x_scale": 1.4, "y_scale": 1.3})


def _today() -> str:
    return timezone.localdate().isoformat()


# --- PDF ---------------------------------------------------------------------------------------

# Fonts tried in turn; the first one found is embedded (a subset of it). Without any, the PDF
# names Adobe's standard Chinese font STSong-Light, which PDF readers supply.
CJK_FONT_FILES = [
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
]


def _cjk_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    if "PortalCJK" in pdfmetrics.getRegisteredFontNames():
        return "PortalCJK"
    for path, index in CJK_FONT_FILES:
        if Path(path).exists():
            pdfmetrics.registerFont(TTFont("PortalCJK", path, subfontIndex=index))
            return "PortalCJK"
    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def write_pdf(figures: YearFigures, out, progress: Progress = _no_progress) -> None:
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        TableStyle,
    )
    from reportlab.platypus import (
        Table as PdfTable,
    )
    from reportlab.platypus.tableofcontents import TableOfContents

    font = _cjk_font()
    # Chinese breaks between any two characters; wordWrap="CJK" lets reportlab do so.
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=14, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10)
    title = ParagraphStyle("title", parent=body, fontSize=22, leading=28, spaceAfter=12)
    h1 = ParagraphStyle("h1", parent=body, fontSize=15, leading=20, spaceBefore=10, spaceAfter=6)

    class Document(SimpleDocTemplate):
        def afterFlowable(self, flowable):
            if getattr(flowable, "style", None) is h1:
                self.notify("TOCEntry", (0, flowable.getPlainText(), self.page))

    document = Document(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=_title(figures),
        author=_("Hangzhou Children's Observation Group portal"),
    )

    def cell(value):
        value = _plain(value)
        if value is None:
            return ""
        if isinstance(value, float):
            value = f"{value:,.1f}"
        elif isinstance(value, int):
            value = f"{value:,}"
        # Paragraph reads a little markup: the text goes in escaped.
        return Paragraph(_escape(str(value)), small)

    story = [
        Spacer(1, 50 * mm),
        Paragraph(_escape(_title(figures)), title),
        Paragraph(
            _escape(_("Made on %(date)s from the portal's records.") % {"date": _today()}), body
        ),
    ]
    if figures.empty:
        story.append(Paragraph(_escape(_("There are no records for this year.")), body))
    summary = [[cell(label), cell(value)] for label, value in _headline_rows(figures)]
    story += [Spacer(1, 10 * mm), _pdf_table(PdfTable, TableStyle, colors, summary, font)]
    contents = TableOfContents()
    contents.levelStyles = [ParagraphStyle("toc", parent=body, leftIndent=0)]
    story += [PageBreak(), Paragraph(_escape(_("Contents")), h1), contents, PageBreak()]

    for index, table in enumerate(figures.tables, start=1):
        story.append(Paragraph(_escape(table.title), h1))
        labels, series = table.chart_series()
        if table.chart and labels:
            story.append(_pdf_chart(Drawing, HorizontalBarChart, colors, labels, series, font))
        rows = [[cell(c) for c in table.columns]] + [[cell(v) for v in r] for r in table.rows]
        if table.rows:
            story.append(_pdf_table(PdfTable, TableStyle, colors, rows, font, header=True))
        else:
            story.append(Paragraph(_escape(_("Nothing recorded.")), body))
        if table.note:
            story.append(Paragraph(_escape(table.note), small))
        story.append(Spacer(1, 6 * mm))
        progress(round(90 * index / len(figures.tables)))
    document.multiBuild(story)
    progress(100)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _pdf_table(PdfTable, TableStyle, colors, rows, font, header=False):
    table = PdfTable(rows, repeatRows=1 if header else 0, hAlign="LEFT")
    style = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")))
    table.setStyle(TableStyle(style))
    return table


def _pdf_chart(Drawing, HorizontalBarChart, colors, labels, series, font):
    labels, series = labels[:15], [(name, values[:15]) for name, values in series]
    height = 18 * len(labels) * len(series) + 30
    drawing = Drawing(460, height)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 150, 15, 290, height - 25
    chart.data = [[value or 0 for value in reversed(values)] for _name, values in series]
    chart.categoryAxis.categoryNames = [label[:18] for label in reversed(labels)]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    for index, color in enumerate(["#1f6fb2", "#d9822b"][: len(series)]):
        chart.bars[index].fillColor = colors.HexColor(color)
    drawing.add(chart)
    return drawing


WRITERS = {"xlsx": write_xlsx, "pdf": write_pdf, "csv": write_csv}


def file_name(year: int, fmt: str, language: str) -> str:
    extension = FORMATS[fmt][0]
    return f"annual-report-{year}-{language}.{extension}"
