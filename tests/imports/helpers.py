"""Spreadsheets as the import tests write them: CSV text in, a table out; records out as CSV
with the bilingual header, to import again (the round trip)."""

import csv
import io
import itertools
import zipfile

from imports.tabular import header_text, read_table


def table(columns, text, encoding="utf-8"):
    return read_table(text.encode(encoding), columns, max_bytes=10**6)


def as_csv(columns, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header_text(column) for column in columns])
    for row in rows:
        writer.writerow([row[column.key] for column in columns])
    return out.getvalue()


def xlsx_with_sheet(rows, *, dimension="A1"):
    """A workbook built with zipfile alone, the least a reader accepts, whose first sheet's
    <sheetData> is the byte strings `rows` yields, written (and packed) one at a time."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
            "</Relationships>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b'<dimension ref="' + dimension.encode() + b'"/><sheetData>'
            )
            for row in rows:
                sheet.write(row)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def text_cell(text, ref=""):
    where = f' r="{ref}"' if ref else ""
    return f'<c{where} t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def header_row(columns):
    return b"<row>" + b"".join(text_cell(header_text(column)) for column in columns) + b"</row>"


def cell_bomb(columns, *, rows=3000, cells_per_row=1000):
    """A workbook of a few kilobytes with a header and millions of identical cells, declaring
    a sheet of A1:XFD1048576: what took a web worker 67 s and 500 MB."""
    row = b"<row>" + b"<c><v>1</v></c>" * cells_per_row + b"</row>"
    return xlsx_with_sheet(
        itertools.chain([header_row(columns)], itertools.repeat(row, rows)),
        dimension="A1:XFD1048576",
    )
