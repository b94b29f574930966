"""Benchmark: similar suggestions and the search over 1,000,000 suggestions in PostgreSQL.

    CI=true DATABASE_URL=postgres://… .venv/bin/pytest bench/test_search.py -s -p no:xdist

A million suggestions written by one INSERT … SELECT generate_series from a small vocabulary:
30 places × 24 things × 16 troubles, each title segmented by jieba once, as the services do
(suggestions/search.py), spread over 200 children of 20 schools, one in ten implemented, half
open, the rest drafts and declined ones. Then, side by side in one run, in turns:

- what the child's form asks as the child types (`similar_suggestions`, for a child: their own
  and every implemented one) and the search page's answer (`suggestion_search`, a page of 20
  with its count, for the school's staff), each through an endpoint that returns the rows as
  JSON;
- a bare endpoint that returns the same rows by primary key, serialized the same way.

Prints the query counts (with 10 suggestions and with 1,000,000), the plans PostgreSQL chooses,
the p50/p95 latencies, and fails if the counts differ, if a plan reads the whole table, or if
a p95 is more than 3 times the bare one's.
"""

import importlib
import itertools
import statistics
import time

import pytest
from django.db import connection
from django.http import JsonResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import path

from groups.models import User
from suggestions import selectors
from suggestions.models import Suggestion
from suggestions.search import suggestion_words
from tests.groups.factories import ChildFactory, SchoolFactory

search_index = importlib.import_module("suggestions.migrations.0013_search_words")

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ROWS = 1_000_000
SCHOOLS = 20
CHILDREN_PER_SCHOOL = 10
ROUNDS = 60
RATIO = 3
PLACES = [
    "学校门口",
    "地铁站",
    "公园",
    "小区",
    "图书馆",
    "菜市场",
    "体育馆",
    "公交站",
    "河边",
    "广场",
    "操场",
    "医院门口",
    "商场",
    "桥下",
    "地下通道",
    "运河边",
    "超市",
    "少年宫",
    "停车场",
    "十字路口",
    "湖边",
    "博物馆",
    "游乐场",
    "食堂",
    "楼道",
    "电梯",
    "小巷",
    "码头",
    "菜场门口",
    "老街",
]
THINGS = [
    "路灯",
    "斑马线",
    "垃圾桶",
    "长椅",
    "厕所",
    "自行车",
    "台阶",
    "栏杆",
    "指示牌",
    "饮水机",
    "红绿灯",
    "盲道",
    "树木",
    "滑梯",
    "秋千",
    "座椅",
    "扶手",
    "坡道",
    "花坛",
    "井盖",
    "围墙",
    "路面",
    "垃圾",
    "噪音",
]
TROUBLES = [
    "坏了",
    "太少",
    "太暗",
    "很脏",
    "不够",
    "太高",
    "看不清",
    "有危险",
    "被占了",
    "没人修",
    "太旧了",
    "找不到",
    "太吵",
    "积水",
    "晚上不亮",
    "不方便",
]
STATES = {  # n % 10 → state, and who has it
    0: "implemented",
    1: "at_school",
    2: "at_school",
    3: "at_community",
    4: "at_department",
    5: "in_progress",
    6: "draft",
    7: "draft",
    8: "declined",
    9: "at_school",
}
# What a child types, and what staff look for.
TYPED = ["学校门口的路灯坏了", "地下通道晚上不亮", "公园的滑梯有危险", "图书馆的饮水机坏了"]
SEARCHED = ["路灯 坏了", "斑马线", "地铁站 栏杆", "公园 滑梯 有危险"]


def row(suggestion):
    return {"id": suggestion.pk, "title": suggestion.title, "child": str(suggestion.child)}


def _user(request):
    return User.objects.get(pk=int(request.GET["user"]))


def similar(request):
    found = selectors.similar_suggestions(request.GET["q"], user=_user(request))
    return JsonResponse({"results": [row(s) for s in found]})


def search(request):
    found = selectors.suggestion_search(request.GET["q"], user=_user(request))
    count = found.count()  # as the page's paginator does
    return JsonResponse({"count": count, "results": [row(s) for s in found[:20]]})


def bare(request):
    """The same rows by primary key, in the same order and form, for the same user."""
    _user(request)
    ids = [int(pk) for pk in request.GET["ids"].split(",") if pk]
    found = Suggestion.objects.filter(pk__in=ids).select_related("focus_area", "child")
    by_pk = {s.pk: s for s in found}
    return JsonResponse({"results": [row(by_pk[pk]) for pk in ids]})


urlpatterns = [path("similar/", similar), path("search/", search), path("bare/", bare)]


def world():
    """20 schools of 10 children; the first child has a login, the first school its staff."""
    from tests.groups.factories import StaffFactory, UserFactory

    children = []
    for _ in range(SCHOOLS):
        school = SchoolFactory()
        children += [ChildFactory(school=school) for _ in range(CHILDREN_PER_SCHOOL)]
    child_user = UserFactory(role="child")
    children[0].user = child_user
    children[0].save(update_fields=["user"])
    staff = StaffFactory(organisation=children[0].school, user__role="school").user
    return children, child_user, staff


def vocabulary():
    """Every title of the vocabulary with its texts and its words, as the services write them."""
    combos = []
    for place, thing, trouble in itertools.product(PLACES, THINGS, TROUBLES):
        title = f"{place}的{thing}{trouble}"
        noticed = f"我每天经过{place}，发现{thing}{trouble}，大家都觉得不方便。"
        proposal = f"希望有关部门看看{place}的{thing}，早点解决。"
        holder = type("Text", (), {"title": title, "noticed": noticed, "proposal": proposal})
        combos.append((title, noticed, proposal, suggestion_words(holder)))
    return combos


def fill(children, first, last):
    """Suggestions first+1 … last, by one INSERT … SELECT over generate_series."""
    combos = vocabulary()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS bench_words "
            "(n int PRIMARY KEY, title text, noticed text, proposal text, words text)"
        )
        cursor.execute("TRUNCATE bench_words")
        cursor.executemany(
            "INSERT INTO bench_words VALUES (%s, %s, %s, %s, %s)",
            [(n, *combo) for n, combo in enumerate(combos)],
        )
        child_ids = [c.pk for c in children]
        school_of = [c.school_id for c in children]
        states = [STATES[n] for n in range(10)]
        cursor.execute(
            """
            INSERT INTO suggestions_suggestion (
                child_id, title, noticed, proposal, place, role, photo, state, owner_id,
                needs_admin, answer, progress, version, created_at, closed_at, search_words)
            SELECT
                (%(children)s::int[])[1 + (g.n / 10) %% %(c)s],
                w.title, w.noticed, w.proposal, '附近', 'observer', '', s.state,
                CASE WHEN s.state IN ('at_school')
                     THEN (%(schools)s::int[])[1 + (g.n / 10) %% %(c)s] END,
                false, '', 0, 0,
                now() - (g.n %% 700) * interval '1 day',
                CASE WHEN s.state IN ('implemented', 'declined')
                     THEN now() - (g.n %% 300) * interval '1 day' END,
                w.words
            FROM generate_series(%(first)s + 1, %(last)s) AS g(n)
            JOIN bench_words w ON w.n = ((g.n / 10) * 7919) %% %(combos)s
            JOIN unnest(%(states)s::text[]) WITH ORDINALITY AS s(state, i)
              ON s.i = 1 + g.n %% 10
            """,
            {
                "children": child_ids,
                "schools": school_of,
                "c": len(child_ids),
                "states": states,
                "first": first,
                "last": last,
                "combos": len(combos),
            },
        )
        cursor.execute("ANALYZE suggestions_suggestion")


def fill_indexed(children, first, last):
    """fill, with the words' index made afresh after the rows, as a migration over existing
    rows makes it: a GIN index that took a million inserts keeps many of them in its pending
    list, read row by row by every search until a vacuum."""
    with connection.cursor() as cursor:
        cursor.execute(search_index.DROP)
    fill(children, first, last)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the rows' foreign keys, checked now
        cursor.execute(search_index.CREATE)
        cursor.execute("ANALYZE suggestions_suggestion")


class Counted:
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


def plans(call):
    """PostgreSQL's plans for the statements of a call on the suggestions table, as run."""
    with CaptureQueriesContext(connection) as captured:
        call()
    found = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            if "suggestions_suggestion" in query["sql"]:
                cursor.execute("EXPLAIN ANALYZE " + query["sql"])
                found.append("\n".join(line for (line,) in cursor.fetchall()))
    return found


def measure(client, urls):
    """p95s of each kind's endpoint and of the bare one, asked in turns."""
    seconds = {kind: ([], []) for kind in urls}
    for _ in range(ROUNDS // 10):
        for kind, pairs in urls.items():
            for found_url, bare_url in pairs:
                seconds[kind][0].extend(timed(client, found_url, 10 // len(pairs) + 1))
                seconds[kind][1].extend(timed(client, bare_url, 10 // len(pairs) + 1))
    return seconds


@override_settings(ROOT_URLCONF=__name__)
def test_similar_suggestions_and_the_search_over_a_million_answer_from_the_index():
    children, child_user, staff = world()
    client = Client()

    def similar_url(text):
        return f"/similar/?user={child_user.pk}&q={text}"

    def search_url(text):
        return f"/search/?user={staff.pk}&q={text}"

    fill(children, 0, 10)
    small = [queries_of(client, similar_url(t)) for t in TYPED]
    small += [queries_of(client, search_url(t)) for t in SEARCHED]
    started = time.perf_counter()
    fill_indexed(children, 10, ROWS)
    filled = time.perf_counter() - started
    assert Suggestion.objects.count() == ROWS
    large = [queries_of(client, similar_url(t)) for t in TYPED]
    large += [queries_of(client, search_url(t)) for t in SEARCHED]

    urls = {"similar": [], "search": []}
    for text in TYPED:
        found = client.get(similar_url(text)).json()["results"]
        assert found, text
        ids = ",".join(str(s["id"]) for s in found)
        bare_url = f"/bare/?user={child_user.pk}&ids={ids}"
        assert client.get(bare_url).json()["results"] == found
        urls["similar"].append((similar_url(text), bare_url))
    for text in SEARCHED:
        answer = client.get(search_url(text)).json()
        assert answer["results"], text
        ids = ",".join(str(s["id"]) for s in answer["results"])
        bare_url = f"/bare/?user={staff.pk}&ids={ids}"
        assert client.get(bare_url).json()["results"] == answer["results"]
        urls["search"].append((search_url(text), bare_url))

    similar_plans = plans(lambda: selectors.similar_suggestions(TYPED[0], user=child_user))
    search_plans = plans(lambda: list(selectors.suggestion_search(SEARCHED[0], user=staff)[:20]))
    print(f"\n{ROWS:,} suggestions written in {filled:.0f} s")
    print(f"the similar suggestions' plans for “{TYPED[0]}”:")
    print("\n---\n".join(similar_plans))
    print(f"the search's plans for “{SEARCHED[0]}”:")
    print("\n---\n".join(search_plans))

    seconds = measure(client, urls)
    print(f"queries per request (10 / {ROWS:,} suggestions): {small} / {large}")
    ratios = {}
    for kind, (found, bared) in seconds.items():
        ratios[kind] = p95(found) / p95(bared)
        print(
            f"{kind}: p50 {statistics.median(found) * 1000:.1f} ms, p95 {p95(found) * 1000:.1f}"
            f" ms | bare by primary key: p50 {statistics.median(bared) * 1000:.1f} ms, p95 "
            f"{p95(bared) * 1000:.1f} ms | ratio of p95s {ratios[kind]:.2f}"
        )
    # One or two queries on the suggestions, whatever their number: two when the suggestions
    # with every word are fewer than asked for (more likely among 10 than among a million).
    assert max(large) <= max(small) and min(large) >= min(small) - 1
    for plan in similar_plans + search_plans:
        assert "Seq Scan on suggestions_suggestion" not in plan
    assert ratios["similar"] <= RATIO
    assert ratios["search"] <= RATIO
