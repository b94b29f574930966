"""Spreadsheets as the import tests write them: CSV text in, a table out; records out as CSV
with the bilingual header, to import again (the round trip)."""

import csv
import io

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
