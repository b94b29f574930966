"""Benchmark: a page of 100 suggestions from the API's list endpoint over 100,000 rows.

    DATABASE_URL=postgres://… make bench PYTEST_ARGS="bench/test_api.py"

Side by side in one run, as the school's staff whose inbox holds the rows: the API's list
(`/api/v1/suggestions/?page_size=100`) and a bare endpoint that returns the same 100 rows from
`.values()` as JSON, each requested 60 times in turns. Prints the query counts (with 10 rows and
with 100,000) and the p50/p95 latencies; fails if the counts differ or the API's p95 is more
than 1.5 times the bare one's.
"""

import statistics
import time

import pytest
from django.db import connection
from django.http import JsonResponse
from django.test.utils import override_settings
from django.urls import path
from rest_framework.test import APIClient

from hangzhou_cfc import urls as portal_urls
from suggestions.api import SuggestionRowSerializer
from suggestions.models import Suggestion
from suggestions.selectors import visible_to
from suggestions.workflow import State
from tests.suggestions.factories import Pipeline

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ROWS = 100_000
ROUNDS = 60
# The same columns as the API's list writes.
FIELDS = SuggestionRowSerializer.VALUES


def bare(request):
    """The same rows, as plain values: what the API costs is measured against this."""
    rows = visible_to(request.user, Suggestion.objects.all()).order_by("-id").values(*FIELDS)
    return JsonResponse({"results": list(rows[:100])})


urlpatterns = [path("bare/", bare), *portal_urls.urlpatterns]


def fill(pipe, count):
    template = pipe.draft()
    Suggestion.objects.bulk_create(
        (
            Suggestion(
                child_id=template.child_id,
                title=f"建议{n}",
                noticed="放学时车很多。",
                proposal="画一条斑马线。",
                place="南门",
                focus_area_id=template.focus_area_id,
                role=template.role,
                state=State.AT_SCHOOL,
                owner=pipe.school,
                due_at=template.created_at,
            )
            for n in range(count)
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE suggestions_suggestion")


class Counted:
    """Counts the statements sent to the database while it is active."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def queries_of(client, url) -> int:
    counted = Counted()
    with connection.execute_wrapper(counted):
        assert client.get(url).status_code == 200
    return counted.count


def timed(client, url, rounds):
    seconds = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(url)
        seconds.append(time.perf_counter() - started)
        assert response.status_code == 200
    return seconds


def p95(seconds):
    return statistics.quantiles(seconds, n=20)[-1]


@override_settings(ROOT_URLCONF=__name__)
def test_a_page_of_100_suggestions_over_100000_rows():
    pipe = Pipeline()
    client = APIClient()
    client.force_login(pipe.school_staff)  # the same session for both endpoints
    api_url = "/api/v1/suggestions/?page_size=100"

    fill(pipe, 10)
    client.get(api_url)
    small = queries_of(client, api_url)
    fill(pipe, ROWS)
    large = queries_of(client, api_url)
    assert len(client.get(api_url).json()["results"]) == 100
    assert len(client.get("/bare/").json()["results"]) == 100

    api_seconds, bare_seconds = [], []
    for _ in range(ROUNDS // 10):  # in turns, so that both see the same machine
        api_seconds += timed(client, api_url, 10)
        bare_seconds += timed(client, "/bare/", 10)
    ratio = p95(api_seconds) / p95(bare_seconds)
    print(
        f"\nAPI list: {small} queries with 10 rows, {large} with {ROWS:,}; "
        f"p50 {statistics.median(api_seconds) * 1000:.1f} ms, p95 {p95(api_seconds) * 1000:.1f} ms"
        f"\nbare .values(): p50 {statistics.median(bare_seconds) * 1000:.1f} ms, "
        f"p95 {p95(bare_seconds) * 1000:.1f} ms\nratio of p95s: {ratio:.2f}"
    )
    assert large == small
    assert ratio <= 1.5
