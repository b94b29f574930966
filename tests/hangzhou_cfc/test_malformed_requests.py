"""Malformed requests are answered 4xx, never 500 (issue 16, item 6)."""

import io
import json
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.signals import request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from hangzhou_cfc.wsgi import ChunkedRequestBody
from suggestions.models import Suggestion
from tests.suggestions.factories import route_pending

pytestmark = pytest.mark.django_db
DEEP = "[" * 100_000 + "]" * 100_000


def new(pipe):
    return {
        "title": "学校门口需要斑马线",
        "noticed": "放学时车很多。",
        "proposal": "画一条斑马线。",
        "place": "文三街小学南门",
        "focus_area": pipe.focus_area.code,
        "role": "safety_promoter",
    }


def test_a_deeply_nested_body_is_a_bad_request_on_create_and_on_a_move(pipe):
    child, school = APIClient(), APIClient()
    child.force_authenticate(pipe.child_user)
    school.force_authenticate(pipe.school_staff)
    suggestion = pipe.draft()
    from suggestions.services import suggestion_transition

    suggestion_transition(suggestion=suggestion, action="submit", user=pipe.child_user)
    route_pending()

    created = child.post("/api/v1/suggestions/", DEEP, content_type="application/json")
    moved = school.post(
        f"/api/v1/suggestions/{suggestion.pk}/collect/", DEEP, content_type="application/json"
    )

    assert created.status_code == 400
    assert moved.status_code == 400
    assert created.json()["error"]["code"]


def call(application, pipe, body: bytes, *, chunked: bool, coding: str = "chunked"):
    environ = {}
    setup_testing_defaults(environ)
    token = Token.objects.create(user=pipe.child_user)
    environ.update(
        {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/api/v1/suggestions/",
            "CONTENT_TYPE": "application/json",
            "HTTP_AUTHORIZATION": f"Token {token.key}",
            "HTTP_ACCEPT": "application/json",
            "wsgi.input": io.BytesIO(body),
        }
    )
    if chunked:
        # As gunicorn passes a chunked body: taken apart already, with no length.
        environ.update({"HTTP_TRANSFER_ENCODING": coding, "wsgi.input_terminated": True})
        environ.pop("CONTENT_LENGTH", None)
    else:
        environ["CONTENT_LENGTH"] = str(len(body))
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"] = int(status.split()[0])

    # As Django's test client does: a request would otherwise close the test's connection.
    request_started.disconnect(close_old_connections)
    try:
        content = b"".join(application(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
    return answer["status"], content


@pytest.mark.parametrize("coding", ["chunked", "gzip, chunked"])
def test_a_chunked_body_is_read(pipe, coding):
    application = ChunkedRequestBody(get_wsgi_application(), limit=1024 * 1024)

    status, content = call(
        application, pipe, json.dumps(new(pipe)).encode(), chunked=True, coding=coding
    )

    assert status == 201, content[:500]
    route_pending()
    assert Suggestion.objects.get().state == "at_school"


def test_a_chunked_body_over_the_limit_is_answered_413_not_a_reset(pipe):
    application = ChunkedRequestBody(get_wsgi_application(), limit=1024 * 1024)

    status, content = call(application, pipe, b"[" + b" " * 3 * 1024 * 1024 + b"]", chunked=True)

    assert status == 413
    assert json.loads(content)["error"]["code"] == "too_large"
    assert not Suggestion.objects.exists()


@pytest.mark.parametrize(
    "query",
    ["sub_teams=656478537548018581766144", "sub_teams=1&sub_teams=-99999999999999999999999"],
)
def test_an_id_no_column_can_hold_is_refused_as_any_unknown_id(pipe, query):
    client = APIClient()
    client.force_authenticate(pipe.admin)

    response = client.get(f"/api/v1/training-sessions/?{query}")

    assert response.status_code == 400
    assert "sub_teams" in response.json()["error"]["fields"]
