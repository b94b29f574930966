"""The spreadsheet reader (imports/tabular.py), with files as a programme office makes them."""

import datetime as dt
import io
import itertools
import re
import time
import zipfile

import pytest
from openpyxl import Workbook

from imports import tabular
from imports.tabular import Column, FileProblem, Row, header_text, read_table
from tests.imports.helpers import cell_bomb, header_row, text_cell, xlsx_with_sheet

CODE = Column("code", "组织代码", "code", required=True, code_like=True)
NAME = Column("name", "名称", "name", required=True)
DISTRICT = Column("district", "区", "district")
NOTE = Column("note", "备注", "note")
COLUMNS = [CODE, NAME, DISTRICT, NOTE]
MB = 1024 * 1024
EXPECTED = "“组织代码 / code”, “名称 / name”, “区 / district”, “备注 / note”"


pytestmark = pytest.mark.usefixtures("in_english")


def read(data, columns=COLUMNS, max_bytes=MB):
    return read_table(data, columns, max_bytes=max_bytes)


def values(code="", name="", district="", note=""):
    return {"code": code, "name": name, "district": district, "note": note}


def xlsx(build):
    workbook = Workbook()
    build(workbook.active)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_header_text():
    assert header_text(CODE) == "组织代码 / code"


# CSV -------------------------------------------------------------------------------------------


def test_csv_utf8():
    table = read("组织代码,名称,区\r\nA1,杭州第一小学,上城区\r\n".encode())
    assert table.columns == [CODE, NAME, DISTRICT]
    assert table.rows == [Row(2, values("A1", "杭州第一小学", "上城区"))]
    assert table.problems == []


def test_csv_utf8_with_bom():
    table = read("组织代码,名称\nA1,杭州第一小学\n".encode("utf-8-sig"))
    assert table.columns == [CODE, NAME]
    assert table.rows == [Row(2, values("A1", "杭州第一小学"))]


def test_csv_gbk_as_excel_on_chinese_windows_saves_it():
    data = "组织代码,名称,区\r\nB7,西湖小学（西湖区）,西湖区\r\n".encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    table = read(data)
    assert table.rows == [Row(2, values("B7", "西湖小学（西湖区）", "西湖区"))]
    assert table.problems == []


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_csv_semicolon_and_tab(delimiter):
    lines = [["组织代码", "名称", "备注"], ["A1", "一, 二", "x"], ["A2", "三", ""]]
    data = "\n".join(delimiter.join(line) for line in lines).encode()
    table = read(data)
    assert table.columns == [CODE, NAME, NOTE]
    assert table.rows == [Row(2, values("A1", "一, 二", note="x")), Row(3, values("A2", "三"))]


def test_csv_quoted_field_with_line_break_counts_as_one_row():
    data = '组织代码,名称,备注\n"A1","第一\n小学","说明,有逗号"\nA2,第二小学,\n'.encode()
    table = read(data)
    assert table.rows == [
        Row(2, values("A1", "第一 小学", note="说明,有逗号")),
        Row(3, values("A2", "第二小学")),
    ]


def test_csv_single_column_falls_back_to_comma():
    table = read("组织代码\nA1\n".encode(), columns=[CODE])
    assert table.rows == [Row(2, {"code": "A1"})]


def test_csv_blank_rows_dropped_and_numbers_kept():
    data = "组织代码,名称,区,备注\nA1,一小,,\n,,,\nA2,二小,,\n,,,\n,,,\n , ,　,\n".encode()
    table = read(data)
    assert table.rows == [Row(2, values("A1", "一小")), Row(4, values("A2", "二小"))]


def test_csv_title_row_above_header_is_skipped():
    data = "杭州市学校名单,,\n组织代码,名称,区\nA1,一小,上城区\n".encode()
    table = read(data)
    assert table.problems == []
    assert table.rows == [Row(3, values("A1", "一小", "上城区"))]


def test_full_width_and_ideographic_spaces():
    data = (
        "组织代码,名称\n　１２３　,\u3000杭州学校（上城区）\u00a0\nＡ－１\u3000２,一　 小\n"
    ).encode()
    table = read(data)
    assert table.rows == [
        Row(2, values("123", "杭州学校（上城区）")),
        Row(3, values("A-1 2", "一 小")),
    ]


@pytest.mark.parametrize(
    "headers",
    [
        "组织代码 / code,名称 / name",
        "组织代码/code,名称 /  NAME",
        "CODE*,Name（必填）",
        "ｃｏｄｅ,名称 (required) *",
        "组织代码*,名称【必填】",
    ],
)
def test_header_variants(headers):
    table = read(f"{headers}\nA1,一小\n".encode())
    assert table.problems == []
    assert table.rows == [Row(2, values("A1", "一小"))]


# Header problems -------------------------------------------------------------------------------


def test_unknown_duplicate_and_missing_columns():
    data = "组织代码,电话,备注,note\nA1,123,x,y\n".encode()
    table = read(data)
    assert table.columns == [CODE, NOTE]
    assert table.problems == [
        "Column B has the header “电话”, which this import does not know: rename it to one "
        f"of the expected headers ({EXPECTED}), or delete the column.",
        "Column D (“note”) repeats column C: each column may be given once. Delete one of "
        "them, or rename it to another expected header.",
        "The required column “名称 / name” is missing: add it to the header row (row 1), for "
        "example as column E, and fill it in.",
    ]
    # The first of two columns counts; the other, and the unknown one, are not read.
    assert table.rows == [Row(2, values("A1", note="x"))]


def test_column_with_data_but_no_header():
    table = read("组织代码,名称,\nA1,一小,x\n".encode())
    assert table.problems == [
        "Column C has data but no header: give it one of the expected headers "
        f"({EXPECTED}), or delete the column."
    ]


def test_empty_header_with_empty_data_is_ignored():
    table = read("组织代码,,名称,\nA1,,一小,\n".encode())
    assert table.problems == []
    assert table.rows == [Row(2, values("A1", "一小"))]


# XLSX ------------------------------------------------------------------------------------------


def school_sheet(sheet):
    sheet["A1"] = "杭州市学校名单"
    sheet.merge_cells("A1:E1")
    sheet.append(["组织代码", "名称", None, "区", "备注（选填）"])
    sheet.merge_cells("B2:C2")
    sheet.append([12.0, "第一小学（上城区）", None, "上城区", dt.datetime(2026, 3, 1)])
    sheet.append(["　Ｘ９　", "第二小学", None, None, 3.5])
    sheet.merge_cells("D3:D4")
    sheet.append([None, None, None, None, None])
    sheet["A7"] = "B12"
    sheet["C7"] = "第三小学"  # typed in the second column under the merged header
    sheet["E7"] = dt.date(2026, 4, 2)
    sheet["A9"] = "  "
    sheet["B10"] = None


def test_xlsx_banner_merged_header_and_blank_rows():
    table = read(xlsx(school_sheet))
    assert table.problems == []
    assert table.columns == [CODE, NAME, DISTRICT, NOTE]
    assert table.rows == [
        Row(3, values("12", "第一小学（上城区）", "上城区", "2026-03-01")),
        Row(4, values("X9", "第二小学", "上城区", "3.5")),
        Row(7, values("B12", "第三小学", note="2026-04-02")),
    ]


def test_xlsx_header_merged_down():
    def build(sheet):
        sheet.append(["组织代码", "名称", "联系方式"])
        sheet.append([None, None, "区"])
        sheet.merge_cells("A1:A2")
        sheet.merge_cells("B1:B2")
        sheet.append(["A1", "一小", "上城区"])

    table = read(xlsx(build))
    assert table.problems == []
    assert table.rows == [Row(3, values("A1", "一小", "上城区"))]


def test_xlsx_problems_name_the_column():
    def build(sheet):
        sheet.append(["组织代码", "学校", "组织代码"])
        sheet.append(["A1", "一小", "A2"])

    table = read(xlsx(build))
    assert table.problems == [
        "Column B has the header “学校”, which this import does not know: rename it to one "
        f"of the expected headers ({EXPECTED}), or delete the column.",
        "Column C (“组织代码”) repeats column A: each column may be given once. Delete one of "
        "them, or rename it to another expected header.",
        "The required column “名称 / name” is missing: add it to the header row (row 1), for "
        "example as column D, and fill it in.",
    ]


def rewrite_sheet(data, change):
    """`data` with the XML of its first sheet passed through `change` (bytes -> bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = change(content)
            target.writestr(info, content)
    return buffer.getvalue()


def test_xlsx_large_sheet_with_merged_header():
    def build(sheet):
        sheet["A1"] = "杭州市学校名单"
        sheet.merge_cells("A1:D1")
        sheet.append(["组织代码", "名称", None, "区"])
        sheet.merge_cells("B2:C2")
        for i in range(6000):
            sheet.append([f"A{i}", f"第{i}小学", None, "上城区"])

    data = xlsx(build)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        # The merged ranges come after more than a chunk of cells.
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size > tabular._CHUNK
    table = read(data, max_bytes=10 * MB)
    assert table.problems == []
    assert len(table.rows) == 6000
    assert table.rows[0] == Row(3, values("A0", "第0小学", "上城区"))
    assert table.rows[-1] == Row(6002, values("A5999", "第5999小学", "上城区"))


def test_xlsx_merged_cells_in_the_data_are_filled():
    def build(sheet):
        sheet.append(["组织代码", "名称", "区", "备注"])
        sheet.append(["A1", "一小", "上城区", "x"])
        sheet.append(["A2", "二小", None, None])
        sheet.append(["A3", "三小", None, None])
        sheet.append(["A4", "四小", "西湖区", "y"])
        sheet.merge_cells("C2:C4")  # one district for three schools
        sheet.merge_cells("D4:D5")  # as in Excel, the top-left value (none) wins: "y" is gone

    table = read(xlsx(build))
    assert table.problems == []
    assert table.rows == [
        Row(2, values("A1", "一小", "上城区", "x")),
        Row(3, values("A2", "二小", "上城区")),
        Row(4, values("A3", "三小", "上城区")),
        Row(5, values("A4", "四小", "西湖区")),
    ]


@pytest.mark.parametrize(
    "dimension",
    [b'<dimension ref="A1" />', b"", b'<dimension ref="A1:XFD1048576" />'],
    ids=["wrong", "missing", "far too large"],
)
def test_xlsx_dimension_of_the_sheet_is_not_trusted(dimension):
    data = xlsx(school_sheet)
    assert b'<dimension ref="A1:E10" />' in zipfile.ZipFile(io.BytesIO(data)).read(
        "xl/worksheets/sheet1.xml"
    )
    data = rewrite_sheet(data, lambda xml: xml.replace(b'<dimension ref="A1:E10" />', dimension))
    # A missing column is proposed next to the last one read: as wide as the cells, no wider.
    columns = [*COLUMNS, Column("phone", "电话", "phone", required=True)]
    table = read(data, columns)
    assert table == read(xlsx(school_sheet), columns)
    assert [row.number for row in table.rows] == [3, 4, 7]
    assert table.problems == [
        "The required column “电话 / phone” is missing: add it to the header row (row 2), for "
        "example as column F, and fill it in."
    ]


def prefixed(xml):
    """The sheet as the Open XML SDK writes it: every element named `x:…`."""
    xml = xml.replace(b"<worksheet xmlns=", b"<worksheet xmlns:x=")
    return re.sub(rb"<(/?)(?=[A-Za-z])", rb"<\1x:", xml)


@pytest.mark.parametrize("chunk", [1, 7, 100, 5000])
@pytest.mark.parametrize("change", [lambda xml: xml, prefixed], ids=["plain", "prefixed"])
def test_xlsx_merged_ranges_found_across_chunks(monkeypatch, chunk, change):
    expected = read(xlsx(school_sheet))
    data = rewrite_sheet(xlsx(school_sheet), change)
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert xml.count(b"mergeCell ref=") == 3
    monkeypatch.setattr(tabular, "_CHUNK", chunk)
    assert read(data) == expected


# Files that cannot be read ---------------------------------------------------------------------

NOT_A_SPREADSHEET = "This file is not a spreadsheet. Upload an .xlsx file or a CSV file."


def problem(data, max_bytes=MB):
    with pytest.raises(FileProblem) as caught:
        read(data, max_bytes=max_bytes)
    return caught.value.args[0]


def test_too_large():
    assert problem(b"a" * (MB + 1)) == (
        "The file is larger than 1 MB: split it into smaller files and import them one after "
        "another."
    )
    assert read("组织代码\nA1\n".encode(), max_bytes=len("组织代码\nA1\n".encode())).rows


# Files that unpack to far more than they weigh ------------------------------------------------

TOO_MANY_CELLS = (
    "The sheet has more than 10,000 cells (rows × columns, empty ones counted): delete the "
    "empty rows and columns after the data, or split it into smaller files and import them one "
    "after another."
)


def test_a_small_workbook_that_unpacks_to_millions_of_cells_is_refused_before_it_is_read():
    bomb = cell_bomb(COLUMNS)
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
    assert len(bomb) < 200 * 1024 and sheet.file_size > 40 * MB  # 3,000,000 cells

    started = time.monotonic()
    message = problem(bomb, max_bytes=20 * MB)

    assert message == (
        "This workbook unpacks to more than 100 times its size, which no spreadsheet of names "
        "and codes does: it is not read. Copy the rows to import into a new workbook, save it "
        "as .xlsx and upload that file."
    )
    assert time.monotonic() - started < 5, "refused from the zip's directory, not by reading it"


def test_a_workbook_over_the_unpacked_size_is_refused_before_it_is_read():
    data = xlsx(school_sheet)
    limits = tabular.Limits(max_bytes=MB, max_unpacked_bytes=5000)

    with pytest.raises(FileProblem) as caught:
        read_table(data, COLUMNS, max_bytes=MB, limits=limits)

    assert caught.value.args[0] == (
        "The workbook holds too much data: split it into smaller files and import them one "
        "after another."
    )
    assert read_table(data, COLUMNS, max_bytes=MB, limits=tabular.Limits(max_bytes=MB)).rows


def cells(data, max_cells):
    limits = tabular.Limits(max_bytes=MB, max_cells=max_cells)
    with pytest.raises(FileProblem) as caught:
        read_table(data, COLUMNS, max_bytes=MB, limits=limits)
    return caught.value.args[0]


def test_a_sheet_over_the_cell_budget_is_refused():
    # 2,001 rows of 5 different cells: packed no tighter than a real sheet.
    rows = (
        b"<row>" + b"".join(text_cell(f"{n}-{c}") for c in range(5)) + b"</row>"
        for n in range(2000)
    )
    data = xlsx_with_sheet(itertools.chain([header_row(COLUMNS)], rows))

    assert cells(data, max_cells=10_000) == TOO_MANY_CELLS
    assert len(read_table(data, COLUMNS, max_bytes=MB).rows) == 2000


def test_a_few_cells_far_apart_count_as_the_sheet_they_span():
    # Three cells, but read as 200 rows by 52 columns (A1 to AZ200).
    far = b'<row r="200"><c r="AZ200"><v>1</v></c></row>'
    data = xlsx_with_sheet([header_row(COLUMNS), far], dimension="A1")

    assert cells(data, max_cells=10_000) == TOO_MANY_CELLS


def test_a_csv_over_the_cell_budget_is_refused():
    wide = "组织代码,名称" + "," * 200 + "\n"
    text = wide + "A1,一小\n" * 100  # 101 rows by 202 columns, once padded

    assert cells(text.encode(), max_cells=10_000) == TOO_MANY_CELLS
    assert len(read(text.encode()).rows) == 100


def test_old_xls():
    message = problem(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 100)
    assert message.startswith("This is an old Excel file (.xls), which cannot be read.")
    assert "“Excel Workbook (*.xlsx)” or “CSV UTF-8”" in message


def test_png():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"
    assert problem(png) == NOT_A_SPREADSHEET


def test_zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "组织代码,名称\nA1,一小\n")
    assert problem(buffer.getvalue()) == NOT_A_SPREADSHEET


def test_damaged_workbook():
    assert problem(xlsx(school_sheet)[:400]) == NOT_A_SPREADSHEET


def test_damaged_sheet_in_a_sound_zip():
    # The cells are read after the workbook is opened: a broken sheet is found then.
    data = rewrite_sheet(xlsx(school_sheet), lambda xml: xml[: len(xml) // 2])
    assert problem(data) == NOT_A_SPREADSHEET


def test_undecodable_text():
    message = problem(b"code,name\n\xff\xfe\xfa,\x81\nA1,x\n")
    assert message == (
        "The text of this CSV file could not be read: it is neither UTF-8 nor GBK. Open it in "
        "Excel, choose “Save As” and the type “CSV UTF-8 (Comma delimited)”, then upload the "
        "new file."
    )


def test_empty_file_and_no_header():
    assert problem(b"").startswith("The file is empty")
    assert problem(b",,\n,,\n").startswith("The file is empty")
    assert problem("姓名,年龄\n张三,9\n".encode()) == (
        "No header row was found in the first 10 rows: put the column headers "
        f"({EXPECTED}) in the row above the data, then upload the file again."
    )


@pytest.mark.parametrize("chunk", [1, 3, 7, 64, 5000])
def test_cells_are_counted_across_chunks(monkeypatch, chunk):
    xml = b"<row><c><v>1</v></c><x:c r='B1'/><c/><cols/><col/></row>" * 20 + b"<t>" + b"a" * 3000
    source = io.BytesIO()
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("xl/worksheets/sheet1.xml", xml)
    monkeypatch.setattr(tabular, "_CHUNK", chunk)

    with zipfile.ZipFile(source) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
        assert tabular._count_start_tags(archive, info, limit=10**6) == 60
