"""While Redis is away the cache degrades and the API goes on (issue 16, item 2).

The throttles read the cache before every view; with Django's own Redis cache every API
request answered 500 while Redis was down, and nothing could be submitted or moved."""

import socket

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from hangzhou_cfc.settings.base import redis_cache
from suggestions.models import Suggestion
from tests.suggestions.factories import Pipeline, route_pending

pytestmark = pytest.mark.django_db

NEW = {
    "title": "学校门口需要斑马线",
    "noticed": "放学时车很多。",
    "proposal": "画一条斑马线。",
    "place": "文三街小学南门",
    "role": "safety_promoter",
}


@pytest.fixture
def redis_away():
    """A Redis address where nothing listens: a port taken and closed again."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with override_settings(CACHES={"default": redis_cache(f"redis://127.0.0.1:{port}/0")}):
        yield


def test_the_cache_misses_and_drops_writes_while_redis_is_away(redis_away):
    cache.set("figures", 42)

    assert cache.get("figures") is None


def test_the_api_submits_lists_and_moves_while_redis_is_away(redis_away):
    pipe = Pipeline()
    client = APIClient()
    client.force_authenticate(pipe.child_user)

    created = client.post(
        "/api/v1/suggestions/", {**NEW, "focus_area": pipe.focus_area.code}, format="json"
    )
    listed = client.get("/api/v1/suggestions/")

    assert created.status_code == 201, created.content
    assert listed.status_code == 200
    assert Suggestion.objects.count() == 1
    school = APIClient()
    school.force_authenticate(pipe.school_staff)
    route_pending()
    suggestion = Suggestion.objects.get()
    assert suggestion.state == "at_school"
    moved = school.post(f"/api/v1/suggestions/{suggestion.pk}/collect/", {}, format="json")
    assert moved.status_code == 200, moved.content


@pytest.mark.redis
def test_clearing_the_cache_keeps_the_tasks_waiting_in_the_same_redis_database(settings):
    """django-redis clears with FLUSHDB; the broker's queue lives in the same database."""
    import uuid

    import redis
    from django.core.cache import caches

    queue = f"test-queue-{uuid.uuid4().hex}"
    server = redis.Redis.from_url(settings.REDIS_URL)
    server.lpush(queue, b"a routing job's task")
    try:
        with override_settings(CACHES={"default": redis_cache(settings.REDIS_URL)}):
            cache = caches.create_connection("default")
            cache.set("figures", 175)
            assert cache.get("figures") == 175
            cache.clear()
            assert cache.get("figures") is None
        assert server.llen(queue) == 1, "the task is still waiting"
    finally:
        server.delete(queue)
