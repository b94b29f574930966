"""The year's suggestions as one CSV, streamed: anonymised columns only (no child, no text
a child wrote, no record number, days rather than moments), any size of year in bounded
memory.

On PostgreSQL the rows come from `COPY … TO STDOUT` in slices of the primary key, so the export
runs at nearly the database's own speed; elsewhere (SQLite) from Python's csv module over a
server-side iterator. Both write the same columns, and a cell that would start a formula is
prefixed with an apostrophe.
"""

import csv
import io
from collections.abc import Iterator

from django.db import connection
from django.db.models import Case, CharField, F, Max, Min, Q, Value, When
from django.db.models.functions import Coalesce, Concat, TruncDate
from django.utils import timezone

from suggestions.models import Suggestion

from .figures import year_bounds

HEADER = [
    "written_on",
    "sent_on",
    "closed_on",
    "state",
    "focus_area",
    "role",
    "district",
    "group_level",
    "owner_kind",
    "overdue",
    "outcome_quantity",
    "outcome_unit",
]
SLICE = 50_000
FORMULA = r"^[=+\-@\t\r]"


def _defused(field: str):
    """The field's text, with an apostrophe in front when it would start a formula."""
    return Case(
        When(**{f"{field}__regex": FORMULA}, then=Concat(Value("'"), F(field))),
        default=Coalesce(F(field), Value("")),
        output_field=CharField(),
    )


def suggestions_of_year(year: int):
    start, end = year_bounds(year)
    zone = timezone.get_default_timezone()
    return (
        Suggestion.objects.filter(created_at__gte=start, created_at__lt=end)
        .annotate(
            # Days, not moments, and no number that leads back to the suggestion's record.
            written_on=TruncDate("created_at", tzinfo=zone),
            sent_on=TruncDate("submitted_at", tzinfo=zone),
            closed_on=TruncDate("closed_at", tzinfo=zone),
            focus=F("focus_area__code"),
            district=_defused("child__school__district__name"),
            level=Coalesce(F("group__level"), Value("")),
            owner_kind=Coalesce(F("owner__kind"), Value("")),
            is_overdue=Case(
                When(Q(overdue_since__isnull=False), then=Value("yes")),
                default=Value(""),
                output_field=CharField(),
            ),
            unit=_defused("outcome__unit"),
        )
        .order_by("pk")
        .values_list(
            "written_on",
            "sent_on",
            "closed_on",
            "state",
            "focus",
            "role",
            "district",
            "level",
            "owner_kind",
            "is_overdue",
            "outcome__quantity",
            "unit",
        )
    )


class _Echo:
    def write(self, value):
        return value


def csv_lines(year: int) -> Iterator[bytes]:
    """The CSV, piece by piece, UTF-8 with a byte-order mark (for Excel)."""
    yield "\ufeff".encode()
    if connection.vendor == "postgresql":
        yield from _copy_slices(year)
        return
    writer = csv.writer(_Echo())
    yield writer.writerow(HEADER).encode()
    rows = suggestions_of_year(year).iterator(chunk_size=2000)
    batch = io.StringIO()
    batch_writer = csv.writer(batch)
    for n, row in enumerate(rows, start=1):
        batch_writer.writerow(["" if v is None else v for v in row])
        if n % 2000 == 0:
            yield batch.getvalue().encode()
            batch.seek(0)
            batch.truncate()
    yield batch.getvalue().encode()


def _copy_slices(year: int) -> Iterator[bytes]:
    """COPY the rows out a slice of primary keys at a time: the database writes the CSV."""
    start, end = year_bounds(year)
    ids = Suggestion.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
        first=Min("pk"), last=Max("pk")
    )
    yield (",".join(HEADER) + "\n").encode()
    if ids["first"] is None:
        return
    queryset = suggestions_of_year(year)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg2's own cursor: mogrify and copy_expert
        for low in range(ids["first"], ids["last"] + 1, SLICE):
            part = queryset.filter(pk__gte=low, pk__lt=low + SLICE)
            sql, params = part.query.sql_with_params()
            out = io.BytesIO()
            raw.copy_expert(f"COPY ({raw.mogrify(sql, params).decode()}) TO STDOUT WITH CSV", out)
            yield out.getvalue()
