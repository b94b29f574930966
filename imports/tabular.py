"""Reads the spreadsheets a programme office makes (XLSX or CSV) into rows of normalised text.

Pure Python, no models: the import pages and the `manage.py import_<kind>` commands give the
bytes of an uploaded file and the columns they expect, and get back the columns found, the data
rows (with the row number the admin sees in Excel) and the problems of the header row. A file
that cannot be read at all raises `FileProblem`, whose message says what to do.

What real files hold, and what is done about it:
- XLSX from Excel or WPS, with a merged title banner above the header, headers merged across or
  down, and empty formatted rows at the end; old .xls files are refused with a way out.
- CSV saved by Excel on Chinese Windows (GB18030/GBK), or as "CSV UTF-8" (with a BOM), with
  commas, semicolons or tabs, and quoted fields holding line breaks.
- Values typed with full-width digits and letters, ideographic spaces (U+3000) and
  non-breaking spaces around them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from xml.etree import ElementTree

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # old .xls, and password-protected .xlsx
HEADER_SEARCH_ROWS = 10  # the header is looked for among the first non-blank rows
# What a file may unpack to (settings.IMPORT_MAX_*; these are their defaults). A roster of
# 50,000 children made by Excel packs 15 MB of XML into 1.6 MB (each part 8 to 12 times
# smaller) and is a sheet of 50,001 rows by 9 columns.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # every part of an XLSX together, unpacked
MAX_UNPACK_RATIO = 100  # a part larger than RATIO_FLOOR unpacks to at most this times its size
RATIO_FLOOR = 1024 * 1024  # smaller parts (styles, themes) are not judged by their ratio
MAX_CELLS = 1_000_000  # rows × columns of the sheet, empty cells counted

# Full-width ASCII (U+FF01–U+FF5E) and the ideographic space, mapped to ASCII.
FULL_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# Invisible characters pasted from web pages and chat apps along with the text.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_PARENTHESES = re.compile(r"\([^()]*\)|【[^【】]*】")
_SLASH = re.compile(r"\s*/\s*")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")

# The sheet XML, as far as the merged ranges need it.
_MERGE_CELL = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}mergeCell"
_SHEET_DATA_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheetData(?=[\s/>])[^>]*>")
_SHEET_DATA_NAME = re.compile(rb"sheetData\s*>")
_CLOSING_TAG_START = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?\Z")
_CHUNK = 1024 * 1024  # bytes of sheet XML read at a time
_OVERLAP = 1024  # bytes kept between chunks, so that no tag is missed across two
_MAX_ROWS, _MAX_COLUMNS = 1_048_576, 16_384  # the size of an Excel sheet
# Start tags of the parts that make the most objects when read: cells and shared strings.
_CELL_OR_STRING_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:c|si)[\s/>]")


@dataclass(frozen=True)
class Column:
    key: str  # e.g. "code"
    zh: str  # Chinese header, e.g. "组织代码"
    en: str  # English header, e.g. "code"
    required: bool = False
    code_like: bool = False  # full-width letters/digits/-/_ turned into ASCII


class FileProblem(Exception):
    """The file as a whole cannot be read; `.args[0]` is a message for the admin."""


@dataclass
class Row:
    number: int  # the row number as the admin sees it in Excel (1-based, header counted)
    values: dict[str, str]  # key -> normalised text ("" when empty)
    problems: list[str] = field(default_factory=list)  # what the reader found wrong in the row


@dataclass
class Table:
    columns: list[Column]  # the columns found, in file order
    rows: list[Row]  # data rows, blank rows dropped
    problems: list[str] = field(default_factory=list)  # header problems, one message each


def header_text(column: Column) -> str:
    """The header written in templates, e.g. "组织代码 / code"."""
    return f"{column.zh} / {column.en}"


def clean(text: str, *, code_like: bool = False) -> str:
    """Strips `text` (ideographic and non-breaking spaces too) and collapses inner whitespace.

    For code-like values, full-width ASCII is turned into ASCII as well ("１２３" → "123");
    other text keeps its full-width characters ("（上城区）" stays as typed).
    """
    text = text.translate(_INVISIBLE)
    if code_like:
        text = text.translate(FULL_WIDTH)
    return " ".join(text.split())


@dataclass(frozen=True)
class Limits:
    """How much a file may hold. All but `max_cells` are checked before the cells are read,
    from the sizes the zip's directory declares (which zipfile then holds the parts to);
    `max_cells` is counted as the cells are read, which stops at the first one too many."""

    max_bytes: int
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES
    max_unpack_ratio: int = MAX_UNPACK_RATIO
    max_cells: int = MAX_CELLS


def read_table(
    data: bytes, columns: list[Column], *, max_bytes: int, limits: Limits | None = None
) -> Table:
    """Reads an XLSX or CSV file (recognised by its content) into a `Table`.

    `limits` (default: `Limits(max_bytes)`) bounds the work: a file that would unpack to
    more is refused with a `FileProblem` before it is read, or as soon as its cells are
    found to be too many.
    """
    limits = limits or Limits(max_bytes=max_bytes)
    if len(data) > max_bytes:
        raise FileProblem(
            _(
                "The file is larger than %(mb)s MB: split it into smaller files and import "
                "them one after another."
            )
            % {"mb": _megabytes(max_bytes)}
        )
    if data.startswith(OLE_MAGIC):
        raise FileProblem(
            _(
                "This is an old Excel file (.xls), which cannot be read. Open it in Excel, "
                "choose “Save As” and the type “Excel Workbook (*.xlsx)” or “CSV UTF-8”, then "
                "upload the new file. If the file is protected by a password, remove the "
                "password first."
            )
        )
    dated: set[tuple[int, int]] = set()
    if data.startswith(XLSX_MAGIC):
        grid, merges, dated = _read_xlsx(data, limits)
    elif b"\x00" in data:
        raise FileProblem(_not_a_spreadsheet())
    else:
        grid, merges = _read_csv(data, limits), {}
    return _build_table(grid, merges, columns, dated)


# Reading the file into a grid of text --------------------------------------------------------

# (row, column), 0-based -> the merged range holding that cell: (min_row, min_col, max_row,
# max_col), 0-based and inclusive.
Merges = dict[tuple[int, int], tuple[int, int, int, int]]


def _megabytes(size: int) -> str:
    return f"{round(size / (1024 * 1024), 2):g}"


def _not_a_spreadsheet() -> str:
    return _("This file is not a spreadsheet. Upload an .xlsx file or a CSV file.")


def _too_many_cells(limits: Limits) -> FileProblem:
    return FileProblem(
        _(
            "The sheet has more than %(cells)s cells (rows × columns, empty ones counted): "
            "delete the empty rows and columns after the data, or split it into smaller files "
            "and import them one after another."
        )
        % {"cells": f"{limits.max_cells:,}"}
    )


class _CellBudget:
    """Counts a grid as it is read: rows × the widest row, as the table pads it."""

    def __init__(self, limits: Limits):
        self.limits, self.rows, self.width = limits, 0, 1

    def add(self, row_length: int) -> None:
        self.rows += 1
        self.width = max(self.width, row_length)
        if self.rows * self.width > self.limits.max_cells:
            raise _too_many_cells(self.limits)


def _check_archive(archive: zipfile.ZipFile, limits: Limits) -> None:
    """Refuses a workbook that would unpack to far more than it weighs (a "zip bomb"), from
    the sizes its directory declares and a count of the start tags of its cells and strings,
    all before openpyxl opens it. zipfile holds every part to its declared size."""
    infos = archive.infolist()
    too_much = FileProblem(
        _(
            "The workbook holds too much data: split it into smaller files and import "
            "them one after another."
        )
    )
    if sum(info.file_size for info in infos) > limits.max_unpacked_bytes:
        raise too_much
    for info in infos:
        packed = max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and info.file_size > packed * limits.max_unpack_ratio:
            raise FileProblem(
                _(
                    "This workbook unpacks to more than %(ratio)s times its size, which no "
                    "spreadsheet of names and codes does: it is not read. Copy the rows to "
                    "import into a new workbook, save it as .xlsx and upload that file."
                )
                % {"ratio": limits.max_unpack_ratio}
            )
    # Every sheet and the shared strings, wherever the workbook keeps them; the other parts
    # hold neither tag and are small.
    for info in (info for info in infos if info.filename.lower().endswith(".xml")):
        if _count_start_tags(archive, info, limit=limits.max_cells) > limits.max_cells:
            raise _too_many_cells(limits)


def _count_start_tags(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, limit: int) -> int:
    """How many cells and shared strings a part holds, counted by their start tags while it is
    unpacked, a chunk at a time; stops once past `limit`."""
    count, pending = 0, b""
    with archive.open(info) as source:
        while chunk := source.read(_CHUNK):
            pending += chunk
            # A tag that may go on in the next chunk (one starting at the last "<", if that is
            # near the end) waits for it; everything before is counted now.
            cut = pending.rfind(b"<")
            if cut < len(pending) - _OVERLAP:
                cut = len(pending)
            count += len(_CELL_OR_STRING_START.findall(pending, 0, cut))
            pending = pending[cut:]
            if count > limit:
                return count
    return count + len(_CELL_OR_STRING_START.findall(pending))


def _read_xlsx(data: bytes, limits: Limits) -> tuple[list[list[str]], Merges, set[tuple[int, int]]]:
    """The grid of text, the merged cells, and the cells Excel holds as dates (a code typed
    as "3-12" that Excel turned into 12 March)."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
                raise FileProblem(_not_a_spreadsheet())
            _check_archive(archive, limits)
    except FileProblem:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as error:
        raise FileProblem(_not_a_spreadsheet()) from error
    # Read-only mode streams the sheet row by row instead of building a cell object for each
    # cell: a roster of 50,000 rows fits in a fraction of the memory and time. It does not
    # give the merged ranges, which are read from the sheet's XML afterwards.
    workbook = None
    try:
        with warnings.catch_warnings():
            # Data validation, conditional formatting… that openpyxl does not support.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            if not workbook.worksheets:
                raise FileProblem(_not_a_spreadsheet())
            sheet = workbook.worksheets[0]
            # Read-only mode trusts the size the sheet declares in <dimension>, which some
            # writers leave out or get wrong (e.g. "A1"): read every row and cell there is.
            sheet.reset_dimensions()
            grid, dated, budget = [], set(), _CellBudget(limits)
            for r, row in enumerate(sheet.iter_rows(values_only=True)):
                # Before the row is kept: a cell far down or far right makes openpyxl fill
                # in every empty row and cell before it.
                budget.add(len(row))
                grid.append([_cell_text(value) for value in row])
                dated.update(
                    (r, c) for c, value in enumerate(row) if isinstance(value, dt.date | dt.time)
                )
            ranges = _merged_ranges(data, sheet._worksheet_path)
    except FileProblem:
        raise
    except Exception as error:  # a damaged or foreign zip: openpyxl raises many kinds
        raise FileProblem(_not_a_spreadsheet()) from error
    finally:
        if workbook is not None:
            workbook.close()

    height, width = len(grid), max((len(row) for row in grid), default=0)
    merges: Merges = {}
    clipped = [
        (top, left, min(bottom, height - 1), min(right, width - 1))
        for top, left, bottom, right in ranges
        if top < height and left < width
    ]
    # The value of each range is its top-left cell's, taken before any range is filled.
    tops = [_cell(grid, top, left) for top, left, _bottom, _right in clipped]
    for (top, left, bottom, right), value in zip(clipped, tops, strict=True):
        for r in range(top, bottom + 1):
            row = grid[r]
            if len(row) <= right:  # rows are as long as their last cell in read-only mode
                row.extend([""] * (right + 1 - len(row)))
            for c in range(left, right + 1):
                row[c] = value
                merges[r, c] = (top, left, bottom, right)
    return grid, merges, dated


def _cell(grid: list[list[str]], r: int, c: int) -> str:
    return grid[r][c] if c < len(grid[r]) else ""


def _merged_ranges(data: bytes, sheet_path: str) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a sheet (0-based, inclusive: top, left, bottom, right).

    They come after the cells in the sheet's XML (`<mergeCells>` follows `<sheetData>`). The
    cells are skipped unparsed, found by their start and end tags: parsing them once more
    would take longer than reading them did. Elements are dropped once read.
    """
    parser = ElementTree.XMLPullParser(events=("end",))
    ranges: list[tuple[int, int, int, int]] = []

    def feed(chunk: bytes) -> None:
        parser.feed(chunk)
        for _event, element in parser.read_events():
            if element.tag == _MERGE_CELL:
                try:
                    left, top, right, bottom = range_boundaries(element.get("ref", ""))
                except (TypeError, ValueError):
                    pass  # not a range: ignored, as a cell reference Excel would not write
                else:  # whole rows ("1:2") or columns ("A:A") have no bound on one side
                    bottom = _MAX_ROWS if bottom is None else bottom
                    right = _MAX_COLUMNS if right is None else right
                    ranges.append(((top or 1) - 1, (left or 1) - 1, bottom - 1, right - 1))
            element.clear()

    state, pending = "before cells", b""
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(sheet_path) as source:
        while chunk := source.read(_CHUNK):
            pending += chunk
            if state == "before cells":
                start = _SHEET_DATA_START.search(pending)
                if start is None:
                    keep = max(len(pending) - _OVERLAP, 0)
                    feed(pending[:keep])
                    pending = pending[keep:]
                    continue
                feed(pending[: start.end()])  # up to and with <sheetData>
                pending = pending[start.end() :]
                state = "after cells" if start.group().endswith(b"/>") else "in cells"
            if state == "in cells":
                end = _sheet_data_end(pending)
                if end is None:
                    pending = pending[-_OVERLAP:]
                    continue
                pending = pending[end:]  # from </sheetData> on
                state = "after cells"
            feed(pending)
            pending = b""
        if state != "in cells":  # else the sheet ends in its cells: close() will say so
            feed(pending)
    parser.close()
    return ranges


def _sheet_data_end(text: bytes) -> int | None:
    """Where `</sheetData>` (or `</x:sheetData>`…) starts in `text`, if it is there."""
    for name in _SHEET_DATA_NAME.finditer(text):
        before = text[max(name.start() - _OVERLAP, 0) : name.start()]
        if closing := _CLOSING_TAG_START.search(before):
            return name.start() - len(before) + closing.start()
    return None


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _read_csv(data: bytes, limits: Limits) -> list[list[str]]:
    text = _decode(data)
    if len(_CONTROL.findall(text)) > max(2, len(text) // 100):
        raise FileProblem(_not_a_spreadsheet())
    grid, budget = [], _CellBudget(limits)
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)):
            budget.add(len(row))
            grid.append(row)
        return grid
    except csv.Error as error:
        raise FileProblem(
            _(
                "The CSV file could not be read (%(error)s). Open it in Excel, choose “Save "
                "As” and the type “CSV UTF-8 (Comma delimited)”, then upload the new file."
            )
            % {"error": error}
        ) from error


def _decode(data: bytes) -> str:
    # UTF-8 (with or without the BOM Excel writes), else GB18030: a superset of GBK, which is
    # what Excel on Chinese Windows saves as "CSV".
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileProblem(
        _(
            "The text of this CSV file could not be read: it is neither UTF-8 nor GBK. Open "
            "it in Excel, choose “Save As” and the type “CSV UTF-8 (Comma delimited)”, then "
            "upload the new file."
        )
    )


def _delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        counts = {d: sample.count(d) for d in ",;\t"}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


# From the grid to the table --------------------------------------------------------------------


def _header_key(text: str) -> str:
    """A header as compared: "  组织代码（必填）*" → "组织代码", "ＣＯＤＥ" → "code"."""
    text = clean(text.translate(FULL_WIDTH))
    text = _PARENTHESES.sub("", text).strip().strip("*").strip()
    return _SLASH.sub(" / ", " ".join(text.split())).casefold()


def _build_table(
    grid: list[list[str]],
    merges: Merges,
    columns: list[Column],
    dated: set[tuple[int, int]] = frozenset(),
) -> Table:
    lookup = _header_lookup(columns)
    expected = ", ".join(f"“{header_text(column)}”" for column in columns)
    width = max((len(row) for row in grid), default=0)
    raw = [row + [""] * (width - len(row)) for row in grid]
    cleaned = [[clean(value) for value in row] for row in raw]
    non_blank = [i for i, row in enumerate(cleaned) if any(row)]
    header = _header_row(cleaned, non_blank, lookup, expected)
    header_rows = _header_rows(header, merges, width)
    data_rows = [i for i in non_blank if i > header_rows[-1]]
    groups = _column_groups(cleaned, merges, header_rows, width)
    found, problems = _match_columns(groups, cleaned, header_rows, data_rows, lookup, expected)
    problems += _missing_columns(columns, found, header, width)
    rows = [_data_row(raw, i, columns, found, dated) for i in data_rows]
    found_columns = [column for column, _positions, _letter in found.values()]
    return Table(columns=found_columns, rows=rows, problems=problems)


# The columns found in the header: column key -> (the column, its positions in the sheet, the
# letter of the first).
Found = dict[str, tuple[Column, list[int], str]]


def _header_lookup(columns: list[Column]) -> dict[str, Column]:
    """Each column by every header that names it (bilingual, Chinese, English), as compared."""
    lookup: dict[str, Column] = {}
    for column in columns:
        for name in (header_text(column), column.zh, column.en):
            lookup.setdefault(_header_key(name), column)
    return lookup


def _header_row(
    cleaned: list[list[str]], non_blank: list[int], lookup: dict[str, Column], expected: str
) -> int:
    """The first of the first non-blank rows that names a known column."""
    if not non_blank:
        raise FileProblem(
            _(
                "The file is empty: write the column headers in the first row and one entry "
                "in each row below, then upload it again."
            )
        )
    header = next(
        (
            i
            for i in non_blank[:HEADER_SEARCH_ROWS]
            if any(_header_key(value) in lookup for value in cleaned[i] if value)
        ),
        None,
    )
    if header is None:
        raise FileProblem(
            _(
                "No header row was found in the first %(count)s rows: put the column headers "
                "(%(expected)s) in the row above the data, then upload the file again."
            )
            % {"count": HEADER_SEARCH_ROWS, "expected": expected}
        )
    return header


def _header_rows(header: int, merges: Merges, width: int) -> range:
    """The header row, and those below it that a header cell merged down (a two-row header)
    takes: the data starts below them."""
    bottom = max([header] + [merges[header, c][2] for c in range(width) if (header, c) in merges])
    return range(header, bottom + 1)


def _column_groups(
    cleaned: list[list[str]], merges: Merges, header_rows: range, width: int
) -> list[list[int]]:
    """The sheet's columns in groups under one header: a header merged across columns is one
    group."""

    def merged_from_left(r: int, c: int) -> bool:
        return (r, c) in merges and merges[r, c][1] < c

    groups: list[list[int]] = []
    for c in range(width):
        continues = any(merged_from_left(r, c) for r in header_rows) and all(
            not cleaned[r][c] or merged_from_left(r, c) for r in header_rows
        )
        if groups and continues:
            groups[-1].append(c)
        else:
            groups.append([c])
    return groups


def _match_columns(
    groups: list[list[int]],
    cleaned: list[list[str]],
    header_rows: range,
    data_rows: list[int],
    lookup: dict[str, Column],
    expected: str,
) -> tuple[Found, list[str]]:
    """The column each group's header names, and a problem for each group whose header is
    unknown, repeats a column found before, or is missing above data."""
    found: Found = {}
    problems: list[str] = []
    for positions in groups:
        letter = get_column_letter(positions[0] + 1)
        texts = list(dict.fromkeys(cleaned[r][positions[0]] for r in header_rows))
        texts = [text for text in texts if text]
        candidates = [*reversed(texts), "".join(texts)] if texts else []
        column = next((lookup[k] for k in map(_header_key, candidates) if k in lookup), None)
        shown = " ".join(texts)
        if column is None and not texts:
            if any(cleaned[i][c] for i in data_rows for c in positions):
                problems.append(
                    _(
                        "Column %(letter)s has data but no header: give it one of the "
                        "expected headers (%(expected)s), or delete the column."
                    )
                    % {"letter": letter, "expected": expected}
                )
        elif column is None:
            problems.append(
                _(
                    "Column %(letter)s has the header “%(header)s”, which this import does not "
                    "know: rename it to one of the expected headers (%(expected)s), or delete "
                    "the column."
                )
                % {"letter": letter, "header": shown, "expected": expected}
            )
        elif column.key in found:
            problems.append(
                _(
                    "Column %(letter)s (“%(header)s”) repeats column %(first)s: each column "
                    "may be given once. Delete one of them, or rename it to another expected "
                    "header."
                )
                % {"letter": letter, "header": shown, "first": found[column.key][2]}
            )
        else:
            found[column.key] = (column, positions, letter)
    return found, problems


def _missing_columns(columns: list[Column], found: Found, header: int, width: int) -> list[str]:
    """A problem for each required column the header does not name."""
    next_letter = get_column_letter(width + 1)
    return [
        _(
            "The required column “%(header)s” is missing: add it to the header row "
            "(row %(row)s), for example as column %(letter)s, and fill it in."
        )
        % {"header": header_text(column), "row": header + 1, "letter": next_letter}
        for column in columns
        if column.required and column.key not in found
    ]


def _data_row(
    raw: list[list[str]],
    i: int,
    columns: list[Column],
    found: Found,
    dated: set[tuple[int, int]],
) -> Row:
    """Row `i` of the sheet: each column's first non-empty cell, cleaned (a column the file
    lacks is empty), and a problem for a code Excel holds as a date."""
    values = dict.fromkeys((column.key for column in columns), "")
    problems = []
    for column, positions, _letter in found.values():
        cells = (clean(raw[i][c], code_like=column.code_like) for c in positions)
        values[column.key] = next((value for value in cells if value), "")
        if column.code_like and values[column.key] and any((i, c) in dated for c in positions):
            problems.append(
                _(
                    "Excel holds the %(column)s as a date (%(text)s), not as what was "
                    "typed: format the column as Text, type the value again, and upload "
                    "the file again."
                )
                % {"column": header_text(column), "text": values[column.key]}
            )
    return Row(number=i + 1, values=values, problems=problems)
