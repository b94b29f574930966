"""While PostgreSQL cannot be reached, pages and the API answer 503 with Retry-After, in the
reader's language, not 500 (issue 16)."""

import pytest
from django.db import OperationalError, connection
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_away(monkeypatch):
    def refused(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(connection, "cursor", refused)


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/you-said-we-did/", "门户暂时有点忙"),
        ("/en/you-said-we-did/", "The portal is busy for a moment"),
    ],
)
def test_a_page_says_try_again_in_its_language(database_away, path, words):
    response = Client(raise_request_exception=False).get(path)

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert words in response.content.decode()


def test_the_api_answers_503_in_its_envelope(database_away):
    response = Client(raise_request_exception=False).get(
        "/api/v1/implemented/", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["error"]["code"] == "unavailable"


def test_any_other_error_is_still_a_500(rf):
    from hangzhou_cfc.views import server_error

    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = server_error(rf.get("/"))

    assert response.status_code == 500
    assert "Retry-After" not in response
