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
# Excel's longest sheet name.
SHEET_NAME_LENGTH = 31
# Words a shortened English sheet name does not end on ("Suggestions by sub-team of the").
DANGLING_WORDS = {"a", "an", "and", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with"}
# The printable width of an A4 page, portrait, at Excel's 96 pixels an inch (0.7 inch margins).
A4_PORTRAIT_PIXELS = round((8.27 - 1.4) * 96)
A4 = 9


def _shortened(name: str, length: int) -> str:
    """`name` in at most `length` characters, cut between words where it has spaces."""
    if len(name) <= length:
        return name
    if " " not in name[: length + 1]:
        return name[:length].strip()
    words = name[: length + 1].rsplit(" ", 1)[0].split()
    while len(words) > 1 and words[-1].lower() in DANGLING_WORDS:
        words.pop()
    return " ".join(words).rstrip(",;-")


def _sheet_name(title: str, used: set[str]) -> str:
    # Excel refuses a name that starts or ends with an apostrophe.
    name = " ".join(INVALID_SHEET_CHARACTERS.sub(" ", title).split()).strip("'") or "Sheet"
    candidate, n = _shortened(name, SHEET_NAME_LENGTH), 2
    while candidate.lower() in used:
        suffix = f" {n}"
        candidate, n = _shortened(name, SHEET_NAME_LENGTH - len(suffix)) + suffix, n + 1
    used.add(candidate.lower())
    return candidate


def _text_width(text: str) -> int:
    """The width of `text` in Excel's character widths: a Chinese character takes two."""
    return sum(2 if ord(character) > 0x2E80 else 1 for character in text)


def _shown(value) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _column_widths(table: Table) -> list[int]:
    """Each column as wide as its content (headers wrap), within bounds that keep a sheet
    on as few pages as it needs: long text wraps rather than widening the page."""
    widths = []
    for column, label in enumerate(table.columns):
        cells = [_text_width(_shown(row[column])) for row in table.rows]
        # A header wraps on two lines at most: half its width, or its longest word.
        header = max(_text_width(label) // 2 + 1, *(_text_width(w) for w in str(label).split()))
        if column == 0:
            widths.append(min(max([16, header, *cells]) + 2, 48))
        else:
            widths.append(min(max([8, header, *cells]) + 2, 60))
    return widths


def _lines(text: str, width: int) -> int:
    """How many lines `text` wraps to in a column `width` characters wide, between words."""
    lines, line = 1, 0
    for word in text.split():
        size = _text_width(word)
        if line and line + 1 + size > width - 1:
            lines, line = lines + 1, size
        else:
            line += size + (1 if line else 0)
    return lines


def _pixels(width: int) -> int:
    return int(width * 7 + 5)


class _XlsxFormats:
    def __init__(self, workbook):
        grid = {"border": 1, "border_color": "#b0b0b0", "valign": "top"}
        self.bold = workbook.add_format({"bold": True})
        self.heading = workbook.add_format(
            {"bold": True, "font_size": 16, "text_wrap": True, "valign": "top"}
        )
        self.note = workbook.add_format({"text_wrap": True, "valign": "top", "italic": True})
        self.header = workbook.add_format(
            {**grid, "bold": True, "text_wrap": True, "bg_color": "#e8eef7"}
        )
        self.number_header = workbook.add_format(
            {**grid, "bold": True, "text_wrap": True, "bg_color": "#e8eef7", "align": "right"}
        )
        self.text = workbook.add_format({**grid, "text_wrap": True})
        # A hidden count ("<5") sits where the numbers are, on their right.
        self.right = workbook.add_format({**grid, "align": "right"})
        self.integer = workbook.add_format({**grid, "num_format": "#,##0"})
        self.decimal = workbook.add_format({**grid, "num_format": "#,##0.0"})


def _print_setup(sheet, *, wide: bool, header_row: int | None) -> None:
    """A4, as many pages tall as the content needs and one page wide; the header row on each
    page, landscape for a table too wide for a portrait page, and the page numbers."""
    sheet.set_paper(A4)
    sheet.fit_to_pages(1, 0)
    if wide:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    if header_row is not None:
        sheet.repeat_rows(header_row)
        sheet.freeze_panes(header_row + 1, 0)
    sheet.set_footer("&L&A&R&P / &N")


def _merged_text(sheet, row, columns, text, style, widths, line_height):
    """Text over the table's width, wrapped, in a row tall enough for it (Excel does not
    size a merged row itself)."""
    characters = max(sum(widths[:columns]), 1)
    size = 1.6 if line_height > 15 else 1
    lines = max(1, -(-int(_text_width(text) * size) // characters))
    sheet.set_row(row, line_height * lines)
    if columns > 1:
        sheet.merge_range(row, 0, row, columns - 1, text, style)
    else:
        sheet.write_string(row, 0, text, style)


def write_xlsx(figures: YearFigures, out, progress: Progress = _no_progress) -> None:
    import xlsxwriter
    from xlsxwriter.utility import quote_sheetname

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
    formats = _XlsxFormats(workbook)
    used: set[str] = set()

    cover = workbook.add_worksheet(_sheet_name(_("Summary"), used))
    widths = [44, 14]
    _merged_text(cover, 0, 2, _title(figures), formats.heading, widths, 21)
    cover.write_string(1, 0, _("Made on %(date)s") % {"date": _today()})
    if figures.empty:
        cover.write_string(2, 0, _("There are no records for this year."))
    cover.set_column(0, 0, widths[0])
    cover.set_column(1, 1, widths[1])
    for row, (label, value) in enumerate(_headline_rows(figures), start=4):
        cover.write_string(row, 0, label, formats.text)
        _xlsx_write(cover, row, 1, value, formats, numeric=True)
    row = 4 + len(_headline_rows(figures)) + 1
    cover.write_string(row, 0, _("Contents"), formats.bold)
    _print_setup(cover, wide=False, header_row=None)

    for index, table in enumerate(figures.tables, start=1):
        sheet_name = _sheet_name(table.sheet_title or table.title, used)
        cover.write_url(
            row + index, 0, f"internal:{quote_sheetname(sheet_name)}!A1", string=table.title
        )
        sheet = workbook.add_worksheet(sheet_name)
        widths = _column_widths(table)
        if table.chart and table.rows:
            # The chart goes under the table, as wide as it: the table is made at least as
            # wide as a readable chart.
            missing = 480 - sum(_pixels(width) for width in widths)
            if missing > 0:
                widths[0] += -(-missing // 7)
        for column, width in enumerate(widths):
            sheet.set_column(column, column, width)
        columns = len(table.columns)
        _merged_text(sheet, 0, columns, table.title, formats.heading, widths, 21)
        numeric = [
            column > 0 and any(isinstance(_plain(row[column]), (int, float)) for row in table.rows)
            for column in range(columns)
        ]
        for column, label in enumerate(table.columns):
            style = formats.number_header if numeric[column] else formats.header
            sheet.write_string(2, column, label, style)
        # Tall enough for the headers that wrap (a row is not sized to them by every reader).
        lines = max(
            _lines(str(label), width) for label, width in zip(table.columns, widths, strict=True)
        )
        sheet.set_row(2, 15 * lines)
        for r, values in enumerate(table.rows, start=3):
            for column, value in enumerate(values):
                _xlsx_write(sheet, r, column, value, formats, numeric=numeric[column])
        below = 3 + len(table.rows) + 1
        if table.note:
            _merged_text(sheet, below, columns, table.note, formats.note, widths, 15)
            below += 2
        if table.chart and table.rows:
            _xlsx_chart(workbook, sheet, sheet_name, table, below, widths)
        table_pixels = sum(_pixels(width) for width in widths)
        _print_setup(sheet, wide=table_pixels > A4_PORTRAIT_PIXELS, header_row=2)
        progress(round(100 * index / len(figures.tables)))
    workbook.close()


def _xlsx_write(sheet, row, column, value, formats=None, numeric=False):
    value = _plain(value)
    integer = formats.integer if formats else None
    decimal = formats.decimal if formats else None
    text = formats.right if formats and numeric else formats.text if formats else None
    if value is None:
        sheet.write_blank(row, column, None, text)
    elif isinstance(value, bool):
        sheet.write_string(row, column, str(value), text)
    elif isinstance(value, int):
        sheet.write_number(row, column, value, integer)
    elif isinstance(value, float):
        sheet.write_number(row, column, value, decimal)
    else:
        sheet.write_string(row, column, str(value), text)


def _xlsx_chart(workbook, sheet, sheet_name, table: Table, row: int, widths: list[int]) -> None:
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
    # Every category named: a horizontal bar chart grows with its rows.
    bars = len(table.rows) * len(table.chart_columns)
    height = max(288, 28 * bars + 100) if table.chart == "bar" else 320
    chart.set_size({"width": sum(_pixels(width) for width in widths), "height": height})
    # The category axis names every row; in a bar chart (xlsxwriter's y axis there) top down,
    # in the table's order.
    categories = {"num_font": {"size": 8}, "interval_unit": 1}
    values = {"num_font": {"size": 8}}
    if table.chart == "bar":
        chart.set_y_axis({**categories, "reverse": True})
        chart.set_x_axis(values)
    else:
        chart.set_x_axis(categories)
        chart.set_y_axis(values)
    sheet.insert_chart(row, 0, chart, {"object_position": 3})


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
