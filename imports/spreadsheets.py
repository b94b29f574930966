"""The import's own format as a file: an empty template, or the current records (round trip).

XLSX, written by XlsxWriter in constant-memory mode: the first sheet has the bilingual header
row and the rows; a second sheet explains the columns in both languages. Every value is written
as text (never a formula, and codes such as "007" keep their zeros).
"""

import io

import xlsxwriter
from django.utils import translation

from .tabular import header_text

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(importer, rows=()) -> bytes:
    output = io.BytesIO()
    book = xlsxwriter.Workbook(
        output, {"constant_memory": True, "strings_to_formulas": False, "in_memory": True}
    )
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "text_wrap": True})
    text = book.add_format({"num_format": "@"})
    sheet = book.add_worksheet(importer.slug)
    for column, spec in enumerate(importer.columns):
        sheet.set_column(column, column, max(16, len(header_text(spec)) + 4), text)
        sheet.write_string(0, column, header_text(spec), header)
    sheet.freeze_panes(1, 0)
    for number, row in enumerate(rows, start=1):
        for column, spec in enumerate(importer.columns):
            value = row.get(spec.key, "")
            if value:
                sheet.write_string(number, column, value, text)
    notes = book.add_worksheet("说明 notes")
    notes.set_column(0, 0, 100)
    line = 0
    for language in ("zh-hans", "en"):
        with translation.override(language):
            notes.write_string(line, 0, str(importer.title), header)
            notes.write_string(line + 1, 0, str(importer.help))
            line += 3
    book.close()
    return output.getvalue()


def file_name(importer, *, template):
    return f"{importer.slug}-{'template' if template else 'export'}.xlsx"
