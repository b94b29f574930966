"""The annual report's PDF read as a reader reads it: page numbers on every page and as the
reader's page labels, bookmarks and a contents that link to the sections and give their pages,
the document's language, no heading alone at the foot of a page, no empty page, long tables
with their header on each page, numbers on the right, chart labels whole."""

import re
from io import BytesIO

import pytest
from django.utils import translation
from pypdf import PdfReader

from reports.exports import write_pdf
from reports.figures import Table, YearFigures

LONG_LABEL = "Youth activity centre of the Binjiang science park"
HEADER = "Visits counted"


def sample_figures(year=2026) -> YearFigures:
    """Sections of every length, so that some heading falls near a page's foot; one table
    of 120 rows; charts with long category names; numbers of different widths."""
    tables = []
    for n in range(1, 25):
        rows = [[f"Row {n}-{r}", (r * 997) % 5000 + (1020 if r == 0 else 7)] for r in range(n % 9)]
        tables.append(
            Table(
                key=f"t{n}",
                title=f"Section {n} of the year",
                columns=["Where", HEADER if n == 1 else "Number"],
                rows=rows,
                chart="bar" if n % 3 == 0 and rows else "",
            )
        )
    tables.append(
        Table(
            key="long",
            title="A long table",
            columns=["Where", HEADER],
            rows=[[f"Place {r}", r * 13] for r in range(120)],
        )
    )
    tables.append(
        Table(
            key="places",
            title="Places with long names",
            columns=["Kind", "Bases", "Participants"],
            rows=[[LONG_LABEL, 1020, 65000], ["Other", 7, 5]],
            chart="bar",
            note="What the figures count.",
        )
    )
    figures = YearFigures(year=year, tables=tables)
    figures.headline = {"activities": 1, "suggestions": 1, "training": 1}
    return figures


def read(language="en"):
    out = BytesIO()
    with translation.override(language):
        write_pdf(sample_figures(), out)
    return PdfReader(BytesIO(out.getvalue()))


@pytest.fixture(scope="module")
def reader():
    return read()


def lines_of(page):
    """The text on a page with its size and place: (text, size, x, y)."""
    found = []

    def visit(text, cm, tm, _font, size):
        if text.strip():
            found.append((text.strip(), size, tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]))

    page.extract_text(visitor_text=visit)
    return found


def test_every_page_has_its_number_and_the_reader_shows_the_same(reader):
    total = len(reader.pages)

    for number, page in enumerate(reader.pages, start=1):
        assert f"Page {number} of {total}" in page.extract_text(), number
    assert reader.page_labels == [str(n) for n in range(1, total + 1)]


def test_the_chinese_pdf_numbers_its_pages_in_chinese_and_says_its_language():
    chinese = read("zh-hans")

    assert f"第 1 页，共 {len(chinese.pages)} 页" in chinese.pages[0].extract_text()
    assert chinese.trailer["/Root"]["/Lang"] == "zh-Hans"


def test_the_document_says_its_language(reader):
    assert reader.trailer["/Root"]["/Lang"] == "en"


def test_each_section_is_a_bookmark_to_its_page_and_the_contents_give_that_page(reader):
    titles = [table.title for table in sample_figures().tables]
    contents = lines_of(reader.pages[1])

    assert [entry.title for entry in reader.outline] == titles
    for entry in reader.outline:
        page = reader.get_destination_page_number(entry)
        assert entry.title in reader.pages[page].extract_text()
        y = next(y for text, _size, _x, y in contents if text == entry.title)
        on_its_line = [text for text, _size, _x, y_ in contents if abs(y_ - y) < 2]
        assert str(page + 1) in on_its_line, f"{entry.title}: {on_its_line}"


def test_the_contents_link_to_the_sections(reader):
    links = [
        annotation.get_object()
        for page in reader.pages[1:3]
        for annotation in page.get("/Annots", [])
        if annotation.get_object()["/Subtype"] == "/Link"
    ]

    assert len(links) >= len(sample_figures().tables)
    assert all("/Dest" in link or "/A" in link for link in links)


def test_no_page_is_empty_and_no_heading_ends_a_page(reader):
    for number, page in enumerate(reader.pages, start=1):
        text = [line for line in lines_of(page) if not line[0].startswith(("Page ", "Hangzhou"))]
        assert text, f"page {number} has nothing but its footer"
        for heading, size, _x, y in text:
            if size >= 15:
                below = [line for line in text if line[3] < y - 1 and line[1] < 15]
                assert below, f"page {number}: {heading!r} alone at the foot"


def test_a_long_table_repeats_its_header_on_each_page(reader):
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    holding = [text for text in pages if re.search(r"Place \d+\b", text)]

    assert len(holding) >= 2
    assert all(HEADER in text for text in holding)


def test_numbers_are_right_aligned(reader):
    page = next(p for p in list(reader.pages)[2:] if "Places with long names" in p.extract_text())
    places = {text: x for text, _size, x, _y in lines_of(page)}

    assert places["7"] > places["1,020"], "the last digits line up, not the first"
    assert places["5"] > places["65,000"]


def test_chart_labels_are_whole(reader):
    page = next(p for p in list(reader.pages)[2:] if "Places with long names" in p.extract_text())
    small = " ".join(text for text, size, _x, _y in lines_of(page) if size < 8)

    assert all(word in small.split() for word in LONG_LABEL.split()), small
