"""Work done after the commit never turns a committed write into an error (issue 16, item 3).

A database error while stamping the routing job (a PostgreSQL restart) answered 500 for a
suggestion that was saved, and the client's retry wrote a second one."""

import ast
from pathlib import Path

import pytest
from django.db import OperationalError
from rest_framework.test import APIClient

from suggestions import services
from suggestions.models import RoutingJob, Suggestion
from tests.suggestions.factories import Pipeline, route_pending

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parents[2]
NEW = {
    "title": "学校门口需要斑马线",
    "noticed": "放学时车很多。",
    "proposal": "画一条斑马线。",
    "place": "文三街小学南门",
    "role": "safety_promoter",
}


def test_a_failure_after_the_commit_still_answers_created_and_the_sweeper_routes_it(
    monkeypatch, django_capture_on_commit_callbacks
):
    pipe = Pipeline()
    client = APIClient()
    client.force_authenticate(pipe.child_user)

    def database_gone(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "routing_job_send", database_gone)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/suggestions/", {**NEW, "focus_area": pipe.focus_area.code}, format="json"
        )

    assert response.status_code == 201
    assert Suggestion.objects.count() == 1
    job = RoutingJob.objects.get()
    assert job.sent_at is None and job.done_at is None  # left for the sweeper
    route_pending()
    assert Suggestion.objects.get().state == "at_school"


def test_every_after_commit_hook_in_the_apps_is_robust():
    """Each `transaction.on_commit` in the apps passes robust=True: Django then logs what it
    raises instead of raising it into a request whose write is already committed."""
    found = []
    for path in BASE_DIR.glob("*/**/*.py"):
        if path.parts[len(BASE_DIR.parts)] in {"tests", "bench", ".venv", "var"}:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "on_commit"
            ):
                robust = [k for k in node.keywords if k.arg == "robust"]
                if not (robust and getattr(robust[0].value, "value", False) is True):
                    found.append(f"{path.relative_to(BASE_DIR)}:{node.lineno}")
    assert found == []
