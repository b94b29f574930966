"""Benchmark: the annual report over 1,000,000 suggestions and 100,000 activities.

    DATABASE_URL=postgres://… make bench PYTEST_ARGS="bench/test_reports.py"

Fills one year with 1,000,000 suggestions (each with a stage change) and 100,000 activities in
PostgreSQL with INSERT … SELECT, then measures side by side in one run:

- the number of queries of the year's figures, with a small year and with the large one (they
  must be equal), and how long they take;
- the peak memory of `manage.py export_annual_report` writing XLSX and PDF, each in a process of
  its own (must stay under 300 MB);
- the streamed CSV of the year's suggestions through the admin's view against PostgreSQL's own
  `COPY (the same SELECT) TO STDOUT`, timed one after the other (must reach half COPY's speed).

Not part of `make test`: it takes a few minutes.
"""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from activities.models import Activity
from reports.figures import year_bounds, year_figures
from reports.streaming import suggestions_of_year
from suggestions.models import StageChange, Suggestion
from tests.activities.test_activities import log
from tests.conftest import _database_url_for_subprocess
from tests.groups.factories import AdminFactory, MentorFactory, sub_team_with_members
from tests.suggestions.factories import Pipeline

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SUGGESTIONS = 1_000_000
ACTIVITIES = 100_000
MEMORY_LIMIT_MB = 300
BASE_DIR = Path(__file__).resolve().parent.parent


def _copy_rows(model, template_pk, count, times):
    """INSERT `count` copies of one row, with the time columns in `times` (column: first time)
    spread over the year."""
    table = model._meta.db_table
    columns = [f.column for f in model._meta.concrete_fields if f.column != "id"]
    step = f"(n * interval '{int(365 * 86400 / count * 1000)} milliseconds')"
    values = [f"%s::timestamptz + {step}" if c in times else c for c in columns]
    params = [times[c] for c in columns if c in times]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - names from the model
            f"SELECT {', '.join(values)} FROM {table}, generate_series(0, %s - 1) AS n "
            f"WHERE {table}.id = %s",
            [*params, count, template_pk],
        )


def fill(year):
    start, _end = year_bounds(year)
    pipe = Pipeline()
    template = pipe.draft(state="at_school", owner=pipe.school, submitted_at=timezone.now())
    _copy_rows(Suggestion, template.pk, SUGGESTIONS, {"created_at": start, "submitted_at": start})
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {StageChange._meta.db_table} "  # noqa: S608 - names from the models
            "(suggestion_id, action, from_state, to_state, owner_id, note, due_at, created_at) "
            "SELECT id, 'route', 'submitted', 'at_school', owner_id, '', "
            "created_at + interval '7 days', created_at "
            f"FROM {Suggestion._meta.db_table}"
        )
    sub_team, children = sub_team_with_members(3)
    activity = log((sub_team, children, MentorFactory(sub_teams=[sub_team]).user))
    _copy_rows(
        Activity,
        activity.pk,
        ACTIVITIES,
        {"starts_at": start, "ends_at": start + timedelta(hours=1)},
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


MEASURED = """
import resource, runpy, sys
sys.argv = ["manage.py", *sys.argv[1:]]
try:
    runpy.run_path("manage.py", run_name="__main__")
finally:
    print("PEAK_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def peak_memory_mb(*args) -> float:
    """The peak resident memory of a manage.py command, run in a process of its own that
    reports its own peak when it ends."""
    env = {
        **os.environ,
        "DATABASE_URL": _database_url_for_subprocess(),
        "DJANGO_SETTINGS_MODULE": "hangzhou_cfc.settings.test",
    }
    command = [sys.executable, "-c", MEASURED, *args]
    done = subprocess.run(  # noqa: S603 - our own command
        command, cwd=BASE_DIR, env=env, check=True, capture_output=True, text=True
    )
    peak_kb = int(done.stderr.rsplit("PEAK_KB", 1)[1].split()[0])  # kB on Linux
    return peak_kb / 1024


class Sink:
    def __init__(self):
        self.size = 0

    def write(self, data):
        self.size += len(data)


def test_the_annual_report_over_a_million_suggestions(client, tmp_path):
    year = timezone.localdate().year
    with translation.override("en"), CaptureQueriesContext(connection) as small:
        year_figures(year)

    started = time.perf_counter()
    fill(year)
    print(f"\nfilled {SUGGESTIONS:,} suggestions and {ACTIVITIES:,} activities in "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip

    with translation.override("en"), CaptureQueriesContext(connection) as large:
        started = time.perf_counter()
        figures = year_figures(year)
        seconds = time.perf_counter() - started
    print(f"figures: {len(small)} queries for an empty year, {len(large)} for this one; "
          f"{seconds:.1f} s; {figures.headline['suggestions']:,} suggestions")  # fmt: skip
    assert len(large) == len(small)
    assert figures.headline["suggestions"] == SUGGESTIONS + 1

    memory = {}
    for fmt in ("xlsx", "pdf"):
        output = tmp_path / f"report.{fmt}"
        memory[fmt] = peak_memory_mb(
            "export_annual_report", "--year", str(year), "--format", fmt, "--output", str(output)
        )
        print(f"{fmt}: peak memory {memory[fmt]:.0f} MB, {output.stat().st_size:,} bytes")
    assert max(memory.values()) < MEMORY_LIMIT_MB

    # The streamed CSV through the admin's view, then COPY of the same SELECT.
    client.force_login(AdminFactory())
    started = time.perf_counter()
    response = client.get(reverse("report_suggestions_csv", kwargs={"year": year}))
    streamed = sum(len(chunk) for chunk in response.streaming_content)
    view_seconds = time.perf_counter() - started

    sql, params = suggestions_of_year(year).query.sql_with_params()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        statement = raw.mogrify(sql, params).decode()
        sink = Sink()
        started = time.perf_counter()
        raw.copy_expert(f"COPY ({statement}) TO STDOUT WITH CSV", sink)
        copy_seconds = time.perf_counter() - started
    ratio = copy_seconds / view_seconds
    print(f"suggestions CSV: the view streamed {streamed:,} bytes in {view_seconds:.2f} s; "
          f"COPY wrote {sink.size:,} bytes in {copy_seconds:.2f} s: "
          f"the view runs at {ratio:.2f} of COPY's speed")  # fmt: skip
    assert ratio >= 0.5
