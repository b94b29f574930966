"""Benchmark: the place search as you type over 50,000 known places, from the keys' index.

    DATABASE_URL=postgres://… make bench PYTEST_ARGS="-k place_search"

What a child types, letter by letter, in Chinese and in pinyin ("西", "西湖", "x", "xh", "xhs",
"gongyuan" …), through a search endpoint that returns `places.selectors.places_search` as
JSON, and side by side in one run a bare endpoint that returns the same rows by primary key
(`Place.objects.filter(pk__in=ids)`), serialized the same way; each text is requested by both
in turns. Prints the query counts (10, 1,000 and 50,000 places), the plan PostgreSQL chooses
for the search, and the p50/p95 latencies; fails if the counts differ, if the plan reads the
keys or the places other than by an index, or if the search's p95 is more than 3 times the
bare one's.
"""

import statistics
import time

import pytest
from django.db import connection
from django.http import JsonResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import path

from places.models import Division, Place, PlaceKind, PlaceSearchKey
from places.selectors import places_search
from places.services import place_keys_write

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

PLACES = 50_000
ROUNDS = 60
RATIO = 3
BATCH = 2_000
# Three characters of these, then a kind of place: 43³ names, each read in pinyin.
STEMS = "东西南北湖山江桥塘港湾溪河林花园新安平和康乐福兴华明光清云龙凤金玉春秋月星石竹梅松桂荷"
SUFFIXES = [
    ("公园", PlaceKind.PARK),
    ("小学", PlaceKind.SCHOOL),
    ("地铁站", PlaceKind.METRO_STATION),
    ("广场", PlaceKind.OTHER),
    ("社区", PlaceKind.COMMUNITY),
    ("实践基地", PlaceKind.PRACTICE_BASE),
    ("图书馆", PlaceKind.OTHER),
    ("体育馆", PlaceKind.OTHER),
    ("菜市场", PlaceKind.OTHER),
]
# As typed, one letter more each time; the broadest (one letter) match thousands of places.
TYPED = ["西", "西湖", "西湖山", "x", "xh", "xhs", "gongyuan", "公园", "dtz", "湾溪河"]


def row(place):
    return {
        "id": place.pk,
        "name": place.name,
        "name_en": place.name_en,
        "kind": place.kind,
        "division": place.division.full_name,
    }


def search(request):
    """The search as you type: what the form's endpoint does."""
    return JsonResponse({"results": [row(place) for place in places_search(request.GET["q"])]})


def bare(request):
    """The same rows by primary key, in the same order and form: what the search costs is
    measured against this."""
    ids = [int(pk) for pk in request.GET["ids"].split(",") if pk]
    found = Place.objects.filter(pk__in=ids).select_related("division__parent__parent")
    by_pk = {place.pk: place for place in found}
    return JsonResponse({"results": [row(by_pk[pk]) for pk in ids]})


urlpatterns = [path("search/", search), path("bare/", bare)]


def fill(start, stop):
    """Known places numbered start … stop-1, spread over Hangzhou's divisions, with their keys,
    written in batches."""
    divisions = list(Division.objects.values_list("pk", flat=True))
    size = len(STEMS)
    for first in range(start, stop, BATCH):
        batch = []
        for n in range(first, min(first + BATCH, stop)):
            suffix, kind = SUFFIXES[n % len(SUFFIXES)]
            stem = STEMS[n % size] + STEMS[n // size % size] + STEMS[n // size // size % size]
            batch.append(
                Place(
                    name=stem + suffix,
                    kind=kind,
                    division_id=divisions[n % len(divisions)],
                    retired=n % 50 == 0,
                )
            )
        place_keys_write(Place.objects.bulk_create(batch))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE places_place")
        cursor.execute("ANALYZE places_placesearchkey")


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


def query_counts(client):
    return [queries_of(client, f"/search/?q={typed}") for typed in TYPED]


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


def search_plan(typed):
    """PostgreSQL's plan for the search's one query, as it runs."""
    with CaptureQueriesContext(connection) as captured:
        places_search(typed)
    (query,) = captured.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + query["sql"])
        return "\n".join(line for (line,) in cursor.fetchall())


@override_settings(ROOT_URLCONF=__name__)
def test_the_place_search_over_50000_places_answers_from_the_index():
    client = Client()
    counts = {}
    for total in (10, 1_000, PLACES):
        fill(Place.objects.count(), total)
        counts[total] = query_counts(client)
    assert Place.objects.count() == PLACES
    keys = PlaceSearchKey.objects.count()

    plan = search_plan("x")  # one letter: the start of the most keys
    print(f"\nthe search's plan for “x”:\n{plan}")
    assert "Index Only Scan using place_search_key_prefix" in plan
    assert "Seq Scan on places_place" not in plan  # nor on places_placesearchkey

    urls = {}
    for typed in TYPED:
        found = client.get(f"/search/?q={typed}").json()["results"]
        assert found, typed
        ids = ",".join(str(place["id"]) for place in found)
        assert client.get(f"/bare/?ids={ids}").json()["results"] == found
        urls[typed] = (f"/search/?q={typed}", f"/bare/?ids={ids}")

    search_seconds, bare_seconds = [], []
    by_text = {typed: ([], []) for typed in TYPED}
    for _ in range(ROUNDS // 10):  # in turns, so that both see the same machine
        for typed, (search_url, bare_url) in urls.items():
            measured = timed(client, search_url, 10), timed(client, bare_url, 10)
            search_seconds += measured[0]
            bare_seconds += measured[1]
            by_text[typed][0].extend(measured[0])
            by_text[typed][1].extend(measured[1])
    ratio = p95(search_seconds) / p95(bare_seconds)

    print(f"{PLACES:,} places, {keys:,} search keys")
    print("queries per search (10 / 1,000 / 50,000 places): " + str(counts))
    for typed, (searched, bared) in by_text.items():
        print(
            f"  {typed:<10} search p50 {statistics.median(searched) * 1000:6.1f} ms "
            f"p95 {p95(searched) * 1000:6.1f} ms | bare p50 {statistics.median(bared) * 1000:6.1f}"
            f" ms p95 {p95(bared) * 1000:6.1f} ms"
        )
    print(
        f"search: p50 {statistics.median(search_seconds) * 1000:.1f} ms, "
        f"p95 {p95(search_seconds) * 1000:.1f} ms\n"
        f"bare by primary key: p50 {statistics.median(bare_seconds) * 1000:.1f} ms, "
        f"p95 {p95(bare_seconds) * 1000:.1f} ms\nratio of p95s: {ratio:.2f}"
    )
    assert counts[10] == counts[1_000] == counts[PLACES]
    assert ratio <= RATIO
