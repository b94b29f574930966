"""What the portal's logging (settings.LOGGING) writes for a refused request and a real error."""

import logging

import pytest
from django.http import HttpResponse
from django.urls import path

from hangzhou_cfc.urls import urlpatterns as portal_urlpatterns
from tests.groups.factories import AdminFactory


def broken(request):
    raise RuntimeError("a bug in a view")


def fine(request):
    return HttpResponse("ok")


# For the tests marked with this module as their URLconf.
urlpatterns = [
    path("test-broken/", broken),
    path("test-fine/", fine),
    *portal_urlpatterns,
]


def request_records(caplog):
    return [record for record in caplog.records if record.name == "django.request"]


@pytest.mark.django_db
def test_an_admin_refused_the_inbox_logs_one_warning_line_without_a_traceback(client, caplog):
    client.force_login(AdminFactory())

    with caplog.at_level(logging.INFO):
        response = client.get("/inbox/?state=submitted")

    assert response.status_code == 403
    records = request_records(caplog)
    assert len(records) == 1
    record = records[0]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == "GET /inbox/ 403 Forbidden"
    assert record.exc_info is None
    assert "Traceback" not in caplog.text
    assert "\n" not in caplog.handler.format(record)


@pytest.mark.django_db
def test_a_page_that_does_not_exist_logs_one_line_without_a_traceback(client, caplog):
    with caplog.at_level(logging.INFO):
        response = client.post("/no-such-page/")

    assert response.status_code == 404
    messages = [record.getMessage() for record in request_records(caplog)]
    assert messages == ["POST /no-such-page/ 404 Not Found"]
    assert "Traceback" not in caplog.text


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_a_server_error_still_logs_its_traceback(client, caplog):
    client.raise_request_exception = False

    with caplog.at_level(logging.INFO):
        response = client.get("/test-broken/")

    assert response.status_code == 500
    (record,) = request_records(caplog)
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert "RuntimeError: a bug in a view" in caplog.handler.format(record)


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_a_request_that_succeeds_logs_nothing(client, caplog):
    with caplog.at_level(logging.INFO):
        assert client.get("/test-fine/").status_code == 200

    assert request_records(caplog) == []
