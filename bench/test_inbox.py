"""Benchmark: an inbox over 100,000 suggestions in PostgreSQL.

    make bench          (needs DATABASE_URL=postgres://…)

100,000 suggestions spread over 200 organisations' inboxes (500 in the school's). Prints the
query count of each inbox filter with 10 and with 100,000 suggestions in the table, and the
PostgreSQL plan of every query on the suggestions table; fails if the counts differ or a plan
reads the whole table. Not part of `make test`: it takes a minute.
"""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groups.models import Organisation, OrganisationKind
from suggestions.models import Suggestion
from suggestions.workflow import State
from tests.suggestions.factories import Pipeline

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ROWS = 100_000
OWNERS = 200
FILTERS = ["", "?overdue=yes", "?state=at_school", "?focus_area={focus}", "?page=10"]


def fill(pipe, count, owners):
    template = pipe.draft()
    rows = [
        Suggestion(
            child_id=template.child_id,
            title=f"建议{n}",
            noticed="…",
            proposal="…",
            place="…",
            focus_area_id=template.focus_area_id,
            role=template.role,
            state=State.AT_SCHOOL,
            owner=owners[n % len(owners)],
            due_at=template.created_at,
            overdue_since=template.created_at if n % 50 == 0 else None,
        )
        for n in range(count)
    ]
    Suggestion.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE suggestions_suggestion")


def measure(client, focus):
    counts, plans, seconds = {}, {}, {}
    for query in FILTERS:
        query = query.format(focus=focus)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(reverse("inbox") + query)
            seconds[query] = time.perf_counter() - started
        assert response.status_code == 200
        counts[query] = len(captured)
        plans[query] = [explain(q["sql"]) for q in captured if "suggestions_suggestion" in q["sql"]]
    return counts, plans, seconds


def explain(sql):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_inbox_over_100000_suggestions(client):
    pipe = Pipeline()
    client.force_login(pipe.school_staff)
    focus = pipe.focus_area.pk
    others = Organisation.objects.bulk_create(
        Organisation(kind=OrganisationKind.DEPARTMENT, code=f"bench-{n}", name=f"部门{n}")
        for n in range(OWNERS - 1)
    )
    owners = [pipe.school, *others]
    fill(pipe, 10, [pipe.school])
    client.get(reverse("inbox"))
    small, _plans, _seconds = measure(client, focus)

    fill(pipe, ROWS, owners)
    large, plans, seconds = measure(client, focus)

    for query in small:
        print(f"\ninbox{query or ' (no filter)'}: {small[query]} queries with 10 rows, "
              f"{large[query]} with {ROWS:,}; {seconds[query] * 1000:.0f} ms")  # fmt: skip
        for plan in plans[query]:
            print("  " + plan.replace("\n", "\n  "))
    assert large == small
    for query, query_plans in plans.items():
        for plan in query_plans:
            assert "Seq Scan on suggestions_suggestion" not in plan, (query, plan)
