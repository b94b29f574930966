"""Idempotency-Key on the API's POSTs: a retried request gets the first answer and writes
nothing more (issue 16)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from hangzhou_cfc import idempotency
from hangzhou_cfc.models import IdempotentRequest
from suggestions.models import StageChange, Suggestion
from tests.suggestions.factories import route_pending

pytestmark = pytest.mark.django_db


def client_of(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def new(pipe, **overrides):
    return {
        "title": "学校门口需要斑马线",
        "noticed": "放学时车很多。",
        "proposal": "画一条斑马线。",
        "place": "文三街小学南门",
        "focus_area": pipe.focus_area.code,
        "role": "safety_promoter",
        **overrides,
    }


def test_a_create_sent_twice_with_one_key_writes_one_suggestion(pipe):
    child = client_of(pipe.child_user)

    first = child.post("/api/v1/suggestions/", new(pipe), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = child.post("/api/v1/suggestions/", new(pipe), format="json", HTTP_IDEMPOTENCY_KEY="k1")

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Suggestion.objects.count() == 1


def test_a_move_sent_twice_with_one_key_moves_once(pipe):
    child = client_of(pipe.child_user)
    child.post("/api/v1/suggestions/", new(pipe), format="json")
    route_pending()
    suggestion = Suggestion.objects.get()
    school = client_of(pipe.school_staff)

    url = f"/api/v1/suggestions/{suggestion.pk}/collect/"
    first = school.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="collect-1")
    again = school.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="collect-1")
    other_key = school.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="collect-2")

    assert first.status_code == again.status_code == 200
    assert other_key.status_code == 409, "a new key is a new request: not possible twice"
    assert StageChange.objects.filter(action="collect").count() == 1


def test_a_key_sent_with_another_request_is_refused(pipe):
    child = client_of(pipe.child_user)
    child.post("/api/v1/suggestions/", new(pipe), format="json", HTTP_IDEMPOTENCY_KEY="k1")

    reused = child.post(
        "/api/v1/suggestions/",
        new(pipe, title="另一个建议"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )

    assert reused.status_code == 400
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert Suggestion.objects.count() == 1


def test_one_clients_key_never_answers_another_clients_request(pipe):
    from tests.groups.factories import ChildUserFactory, MembershipFactory

    other = ChildUserFactory()
    MembershipFactory(child=other.child)
    client_of(pipe.child_user).post(
        "/api/v1/suggestions/", new(pipe), format="json", HTTP_IDEMPOTENCY_KEY="same"
    )

    theirs = client_of(other).post(
        "/api/v1/suggestions/", new(pipe), format="json", HTTP_IDEMPOTENCY_KEY="same"
    )

    assert theirs.status_code == 201
    assert Suggestion.objects.count() == 2


def test_a_refused_request_is_replayed_refused_and_a_bad_key_is_a_400(pipe):
    child = client_of(pipe.child_user)
    bad = child.post(
        "/api/v1/suggestions/", new(pipe), format="json", HTTP_IDEMPOTENCY_KEY="x" * 256
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "bad_idempotency_key"

    refused = child.post(
        "/api/v1/suggestions/", {"title": "只有标题"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    again = child.post(
        "/api/v1/suggestions/", {"title": "只有标题"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert refused.status_code == again.status_code == 400
    assert not Suggestion.objects.exists()


def test_keys_are_forgotten_after_a_day(pipe):
    child = client_of(pipe.child_user)
    child.post("/api/v1/suggestions/", new(pipe), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    IdempotentRequest.objects.update(created_at=timezone.now() - timedelta(hours=25))

    assert idempotency.keys_forget() == 1
    assert not IdempotentRequest.objects.exists()


def test_the_schema_documents_the_header_on_every_post():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    posts = [
        (path, op)
        for path, operations in schema["paths"].items()
        if path.startswith("/api/v1/")
        for method, op in operations.items()
        if method == "post"
    ]

    assert posts
    for path, op in posts:
        names = [p["name"] for p in op.get("parameters", []) if p["in"] == "header"]
        assert "Idempotency-Key" in names, path


def test_a_throttled_request_is_not_kept_and_its_retry_with_the_key_runs(pipe, monkeypatch):
    """A 429 says "later": keeping it would answer every retry with the key "too many" for a
    day, and a new key is what risks a duplicate."""
    from rest_framework.throttling import UserRateThrottle

    child = client_of(pipe.child_user)
    monkeypatch.setattr(UserRateThrottle, "allow_request", lambda self, request, view: False)
    monkeypatch.setattr(UserRateThrottle, "wait", lambda self: 30)
    throttled = child.post(
        "/api/v1/suggestions/", new(pipe), format="json", HTTP_IDEMPOTENCY_KEY="k429"
    )
    monkeypatch.undo()
    retried = child.post(
        "/api/v1/suggestions/", new(pipe), format="json", HTTP_IDEMPOTENCY_KEY="k429"
    )

    assert throttled.status_code == 429
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried
    assert Suggestion.objects.count() == 1
