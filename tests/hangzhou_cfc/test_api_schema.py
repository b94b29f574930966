"""The OpenAPI schema as a generated client reads it: every move's body, every error answer,
ASCII names, and a schema that the validators accept."""

import pytest
from django.test import Client

from suggestions import workflow
from suggestions.api import PEOPLE_MOVES

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/?format=json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.json()


def component(schema, ref):
    return schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[-1]]


def test_every_move_documents_its_body_with_what_the_workflow_needs(schema):
    assert len(PEOPLE_MOVES) == 12
    for name in PEOPLE_MOVES:
        operation = schema["paths"][f"/api/v1/suggestions/{{id}}/{name}/"]["post"]
        body = component(schema, operation["requestBody"]["content"]["application/json"]["schema"])
        needs = set(workflow.MOVES[name].needs)

        assert {"version", "note"} <= set(body["properties"]), name
        assert needs <= set(body["properties"]), name
        assert needs <= set(body.get("required", [])), name
        assert operation["summary"], name
    forward = schema["paths"]["/api/v1/suggestions/{id}/forward/"]["post"]
    forward_body = component(
        schema, forward["requestBody"]["content"]["application/json"]["schema"]
    )
    assert "department" in forward_body["properties"]
    outcome = schema["paths"]["/api/v1/suggestions/{id}/mark_implemented/"]["post"]
    outcome_body = component(
        schema, outcome["requestBody"]["content"]["application/json"]["schema"]
    )
    assert {"description", "completed_on"} <= set(
        component(schema, outcome_body["properties"]["outcome"])["properties"]
    )
