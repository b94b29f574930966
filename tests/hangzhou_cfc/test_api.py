"""The API's shared parts: the schema and its documentation page, read-only directories,
the figures for admins."""

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from groups.models import Role
from hangzhou_cfc.api import exception_handler
from hangzhou_cfc.errors import Conflict
from tests.activities.factories import PracticeBaseFactory, ProgrammeFactory
from tests.groups.factories import AdminFactory, UserFactory, sub_team_with_members

pytestmark = pytest.mark.django_db


def test_the_openapi_schema_is_served_and_names_every_workflow_move():
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    schema = response.json() if response["Content-Type"].startswith("application/json") else None
    text = response.content.decode()
    assert "openapi" in text
    for move in ("collect", "forward", "accept", "mark_implemented", "withdraw"):
        assert f"/api/v1/suggestions/{{id}}/{move}/" in text, move
    assert schema is None or schema["info"]["title"]


def test_the_documentation_page_loads_its_assets_from_the_portal_itself():
    page = Client().get("/api/docs/").content.decode()

    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources
    assert all(not s.startswith(("http://", "https://", "//")) for s in sources), sources


def test_directories_are_readable_by_anyone():
    PracticeBaseFactory()
    ProgrammeFactory()
    sub_team_with_members(2)

    for path in ("practice-bases", "programmes", "groups", "sub-teams"):
        response = APIClient().get(f"/api/v1/{path}/")
        assert response.status_code == 200, path
        assert response.json()["count"] >= 1, path


def test_directories_are_read_only():
    response = APIClient().post("/api/v1/practice-bases/", {}, format="json")

    assert response.status_code in (401, 403, 405)
    assert "error" in response.json()


@pytest.mark.parametrize("role", [Role.CHILD, Role.MENTOR, Role.SCHOOL])
def test_the_years_figures_are_for_admins_only(role):
    client = APIClient()
    client.force_authenticate(UserFactory(role=role))
    assert client.get("/api/v1/figures/2026/").status_code == 403

    client.force_authenticate(AdminFactory())
    figures = client.get("/api/v1/figures/2026/").json()
    assert figures["year"] == 2026
    assert {t["key"] for t in figures["tables"]} >= {"activities_by_kind", "stage_times"}
    assert client.get("/api/v1/figures/1999/").status_code == 404


def test_errors_follow_the_requests_language():
    response = APIClient().get("/api/v1/suggestions/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code in (401, 403)
    assert re.search(r"[\u4e00-\u9fff]", response.json()["error"]["message"])


def test_a_conflict_raised_by_any_app_is_a_409_with_its_own_code_message_and_fields():
    class Booked(Conflict):
        code = "booked"
        message = "The room is booked."

        def fields(self):
            return {"room": ["taken"]}

    response = exception_handler(Booked(), {})

    assert response.status_code == 409
    assert response.data == {
        "error": {"code": "booked", "message": "The room is booked.", "fields": {"room": ["taken"]}}
    }
