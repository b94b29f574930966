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
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import get_language
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
        (_("Times children said “me too”"), h.get("voices")),
        (_("Suggestions with a “me too”"), h.get("suggestions_with_voices")),
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


def _tenths(value) -> bool:
    """A figure kept to one decimal place (days, a share in %): shown so even when whole."""
    return isinstance(value, Decimal) and value.as_tuple().exponent == -1


def _shown(value) -> str:
    if _tenths(value):
        return f"{value:,.1f}"
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _numeric_columns(table: Table) -> list[bool]:
    """The columns that hold numbers (a hidden count among them is still one of them)."""
    return [
        column > 0 and any(isinstance(_plain(row[column]), (int, float)) for row in table.rows)
        for column in range(len(table.columns))
    ]


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
        numeric = _numeric_columns(table)
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
    tenths = _tenths(value)
    value = _plain(value)
    integer = formats.integer if formats else None
    decimal = formats.decimal if formats else None
    text = formats.right if formats and numeric else formats.text if formats else None
    if value is None:
        sheet.write_blank(row, column, None, text)
    elif isinstance(value, bool):
        sheet.write_string(row, column, str(value), text)
    elif isinstance(value, int) and not tenths:
        sheet.write_number(row, column, value, integer)
    elif isinstance(value, (int, float)):
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


# The PDF's A4 page and its margins, in points.
PDF_MARGIN = 18 * 72 / 25.4
# A chart is at most this share of a page's frame tall; more categories than fit are left to
# the table under it.
PDF_CHART_SHARE = 0.6
PDF_CHART_LABEL_SIZE = 7
PDF_BAR_COLOURS = ["#1f6fb2", "#d9822b", "#2f9e6e"]


def _pdf_language() -> str:
    """The document's language as a PDF reader (a screen reader) wants it: BCP 47."""
    language = get_language() or "zh-hans"
    return "zh-Hans" if language.startswith("zh") else language.split("-")[0]


def write_pdf(figures: YearFigures, out, progress: Progress = _no_progress) -> None:
    """Cover with the summary, a contents page that links to the sections, one section per
    table (heading, chart, table, note). Every page has its number (also as the PDF's page
    label); each section is a bookmark; the catalog names the document's language.

    reportlab writes no structure tree, so the PDF is not tagged: the document language,
    bookmarks, linked contents and the tables' text order are what it gives a screen reader."""
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import CondPageBreak, PageBreak, Paragraph, Spacer
    from reportlab.platypus.doctemplate import BaseDocTemplate, PageTemplate
    from reportlab.platypus.frames import Frame
    from reportlab.platypus.tableofcontents import TableOfContents

    font = _cjk_font()
    # Chinese breaks between any two characters, wordWrap="CJK" lets reportlab do so; English
    # breaks between words only ("On time", not "On ti / me").
    wrap = "CJK" if _pdf_language().startswith("zh") else None
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=14, wordWrap=wrap)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10)
    number = ParagraphStyle("number", parent=small, alignment=TA_RIGHT)
    note = ParagraphStyle("note", parent=small, textColor="#444444", spaceBefore=4)
    title = ParagraphStyle("title", parent=body, fontSize=22, leading=28, spaceAfter=12)
    h1 = ParagraphStyle("h1", parent=body, fontSize=15, leading=20, spaceBefore=10, spaceAfter=6)
    # Looks like a section's heading, is not one of the contents.
    contents_heading = ParagraphStyle("contents", parent=h1)
    document_title = _title(figures)
    footer = _("Page %(page)d of %(pages)d")

    class Document(BaseDocTemplate):
        # The number of pages of the previous pass, for "page n of N" (the footer takes no
        # room, so the next pass has as many).
        total = 0

        def _endBuild(self):
            super()._endBuild()
            self.footers_right = self.footer_total == self.page
            self.total = self.page

        def afterFlowable(self, flowable):
            if getattr(flowable, "style", None) is h1:
                text = flowable.getPlainText()
                key = f"section-{self.seq.nextf('section')}"
                self.canv.bookmarkPage(key)
                self.canv.addOutlineEntry(text, key, level=0)
                self.notify("TOCEntry", (0, escape(text), self.page, key))

        def beforeDocument(self):
            self.seq.reset("section")
            self.footer_total = self.total

    def page_furniture(canvas, document):
        canvas.saveState()
        if document.page == 1:
            # The reader's page box shows the same numbers as the pages.
            canvas.addPageLabel(0, "D", 1)
            canvas.showOutline()
        canvas.setFont(font, 8)
        canvas.setFillColorRGB(0.35, 0.35, 0.35)
        canvas.drawString(PDF_MARGIN, PDF_MARGIN / 2, document_title)
        canvas.drawRightString(
            A4[0] - PDF_MARGIN,
            PDF_MARGIN / 2,
            footer % {"page": document.page, "pages": document.total},
        )
        canvas.restoreState()

    frame = Frame(
        PDF_MARGIN,
        PDF_MARGIN,
        A4[0] - 2 * PDF_MARGIN,
        A4[1] - 2 * PDF_MARGIN,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    document = Document(
        out,
        pagesize=A4,
        leftMargin=PDF_MARGIN,
        rightMargin=PDF_MARGIN,
        topMargin=PDF_MARGIN,
        bottomMargin=PDF_MARGIN,
        title=document_title,
        author=_("Hangzhou Children's Observation Group portal"),
        lang=_pdf_language(),
        pageTemplates=[PageTemplate(id="page", frames=[frame], onPage=page_furniture)],
    )
    width, height = frame._width, frame._height

    def cell(value, style):
        # Paragraph reads a little markup: the text goes in escaped.
        return Paragraph(escape(_shown(value)), style)

    story = [
        Spacer(1, 40 * 72 / 25.4),
        Paragraph(escape(document_title), title),
        Paragraph(
            escape(_("Made on %(date)s from the portal's records.") % {"date": _today()}), body
        ),
    ]
    if figures.empty:
        story.append(Paragraph(escape(_("There are no records for this year.")), body))
    summary = _headline_table(figures)
    story += [Spacer(1, 8 * 72 / 25.4), _pdf_table(summary, font, width, cell, small, number)]
    contents = TableOfContents()
    contents.levelStyles = [ParagraphStyle("toc", parent=body, leftIndent=0, rightIndent=30)]
    story += [
        PageBreak(),
        Paragraph(escape(_("Contents")), contents_heading),
        contents,
        PageBreak(),
    ]

    for index, table in enumerate(figures.tables, start=1):
        heading = Paragraph(escape(table.title), h1)
        section = [heading]
        labels, series = table.chart_series()
        if table.chart and labels:
            section += _pdf_chart(labels, series, font, width, height * PDF_CHART_SHARE, small)
        if table.rows:
            section.append(_pdf_table(table, font, width, cell, small, number))
        else:
            section.append(Paragraph(escape(_("Nothing recorded.")), body))
        if table.note:
            section.append(Paragraph(escape(table.note), note))
        # A heading never ends a page: the section starts on the next page unless it fits, or
        # (a long table) unless its heading, chart and first rows fit; the table's header
        # repeats on each page it runs over.
        sizes = [flowable.wrap(width, height)[1] for flowable in section]
        whole = sum(sizes) + h1.spaceBefore + h1.spaceAfter
        start = whole if whole <= height / 2 else sum(sizes[:-1]) + 80
        if table.note and whole > height / 2:
            start = sum(sizes[:-2]) + 80
        story += [CondPageBreak(min(start, height)), *section]
        if index < len(figures.tables):
            story.append(Spacer(1, 6 * 72 / 25.4))
        progress(round(90 * index / len(figures.tables)))
    document.multiBuild(story)
    if not document.footers_right:
        document.multiBuild(story)
    progress(100)


def _pdf_column_widths(table: Table, numeric, font, width) -> list[float]:
    """Numbers as wide as their widest cell; text columns share what is left, each in
    proportion to its longest cell (so that it wraps, if at all, the least)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    def natural(column):
        cells = [_shown(row[column]) for row in table.rows]
        words = str(table.columns[column]).split() or [""]
        header = max(stringWidth(word, font, 8) for word in words)
        # The cell padding: 6 points each side, and a little air.
        return max([header, *(stringWidth(text, font, 8) for text in cells)]) + 14

    widths = [natural(column) for column in range(len(table.columns))]
    fixed = sum(w for w, n in zip(widths, numeric, strict=True) if n)
    text = sum(w for w, n in zip(widths, numeric, strict=True) if not n)
    room = max(width - fixed, width * 0.3)
    if text <= room:
        # Everything fits: the first column takes what is left, up to the page's width.
        widths[0] += min(room - text, max(0, width * 0.45 - widths[0]))
        return widths
    return [w if n else w * room / text for w, n in zip(widths, numeric, strict=True)]


def _pdf_table(table: Table, font, width, cell, text, number):
    from reportlab.lib import colors
    from reportlab.platypus import Table as PdfTable
    from reportlab.platypus import TableStyle

    numeric = _numeric_columns(table)
    header = [cell(label, number if numeric[c] else text) for c, label in enumerate(table.columns)]
    rows = [
        [cell(value, number if numeric[c] else text) for c, value in enumerate(row)]
        for row in table.rows
    ]
    pdf_table = PdfTable(
        [header, *rows],
        colWidths=_pdf_column_widths(table, numeric, font, width),
        repeatRows=1,
        hAlign="LEFT",
    )
    pdf_table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
            ]
        )
    )
    return pdf_table


def _wrapped(text: str, font: str, size: float, limit: float) -> list[str]:
    """`text` in lines no wider than `limit`: between words, or between any two characters
    where there are no spaces (Chinese)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    pieces = text.split(" ") if " " in text else list(text)
    joiner = " " if " " in text else ""
    lines, line = [], ""
    for piece in pieces:
        candidate = f"{line}{joiner}{piece}" if line else piece
        if line and stringWidth(candidate, font, size) > limit:
            lines.append(line)
            line = piece
        else:
            line = candidate
    return [*lines, line] if line else lines


def _pdf_chart(labels, series, font, width, most, caption_style):
    """A horizontal bar chart naming every category in full (long names wrap), one colour
    per series with a legend where there are several; as many categories as fit in `most`
    points, the rest left to the table."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Paragraph, Spacer

    size = PDF_CHART_LABEL_SIZE
    lines = [_wrapped(label, font, size, width * 0.35) for label in labels]
    band = [max(10 * len(series) + 6, (size + 2) * len(label) + 4) for label in lines]
    legend = 16 if len(series) > 1 else 0
    shown = len(labels)
    while shown > 1 and sum(band[:shown]) + 30 + legend > most:
        shown -= 1
    lines, band = lines[:shown], band[:shown]
    label_width = max(stringWidth(line, font, size) for label in lines for line in label)
    height = max(band) * shown + 30 + legend
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x = label_width + 8
    chart.y = 15
    chart.width = width - chart.x - 20
    chart.height = height - 25 - legend
    # The first category at the top, as in the table.
    # The first series on top in each category, as in the legend.
    chart.data = [
        [value or 0 for value in reversed(values[:shown])] for _name, values in reversed(series)
    ]
    chart.categoryAxis.categoryNames = ["\n".join(label) for label in reversed(lines)]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = size
    chart.categoryAxis.labels.leading = size + 2
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = size
    chart.valueAxis.valueMin = 0
    chart.barSpacing = 1
    for index in range(len(series)):
        colour = PDF_BAR_COLOURS[(len(series) - 1 - index) % len(PDF_BAR_COLOURS)]
        chart.bars[index].fillColor = colors.HexColor(colour)
    drawing.add(chart)
    if legend:
        key = Legend()
        key.fontName, key.fontSize = font, size
        key.x, key.y = chart.x, height - 4
        key.alignment = "right"
        key.columnMaximum = 1
        key.deltax = 0
        key.colorNamePairs = [
            (colors.HexColor(PDF_BAR_COLOURS[index % len(PDF_BAR_COLOURS)]), name)
            for index, (name, _values) in enumerate(series)
        ]
        drawing.add(key)
    flowables = [drawing, Spacer(1, 4)]
    if shown < len(labels):
        flowables.append(
            Paragraph(
                escape(
                    _("The chart shows the first %(shown)d of %(all)d; the table has them all.")
                    % {"shown": shown, "all": len(labels)}
                ),
                caption_style,
            )
        )
    return flowables


WRITERS = {"xlsx": write_xlsx, "pdf": write_pdf, "csv": write_csv}


def file_name(year: int, fmt: str, language: str) -> str:
    extension = FORMATS[fmt][0]
    return f"annual-report-{year}-{language}.{extension}"
