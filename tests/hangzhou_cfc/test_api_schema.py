"""The OpenAPI schema as a generated client reads it: every move's body, every error answer,
ASCII names, and a schema that the validators accept."""

import functools
import json
import os
import re
import shutil
import subprocess

import pytest
from django.conf import settings
from django.test import Client
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from suggestions import workflow
from suggestions.api import PEOPLE_MOVES
from tests.suggestions.factories import Pipeline

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


def operations(schema, prefix="/api/v1/"):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if path.startswith(prefix):
                yield path, method, operation


def test_every_operation_documents_its_errors_in_the_common_envelope(schema):
    envelope = schema["components"]["schemas"]["Error"]
    assert envelope["required"] == ["error"]
    detail = component(schema, envelope["properties"]["error"])
    assert set(detail["properties"]) == {"code", "message", "fields"}
    assert set(detail["required"]) == {"code", "message"}

    for path, method, operation in operations(schema):
        responses = operation["responses"]
        where = (method, path)
        errors = {code for code in responses if code.startswith("4")}
        for code in errors:
            content = responses[code]["content"]["application/json"]["schema"]
            assert content == {"$ref": "#/components/schemas/Error"}, (where, code)
            assert responses[code]["description"], (where, code)
        assert {"401", "429"} <= errors, where
        assert responses["429"]["headers"]["Retry-After"]["schema"]["type"] == "integer"
        if method in ("post", "put", "patch"):
            assert {"400", "403", "413"} <= errors, where
        if "{" in path:
            assert "404" in errors, where
        # A move that is not possible now, and any POST whose Idempotency-Key is being
        # answered right now.
        assert ("409" in errors) == (method == "post"), where


def test_without_credentials_the_api_answers_401_with_the_scheme_to_use():
    response = APIClient().get("/api/v1/suggestions/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("accept_language", "language"),
    [("en", "en"), ("en-GB,en;q=0.8", "en"), ("zh-CN,zh;q=0.9", "zh-hans"), ("", "zh-hans"),
     ("fr", "zh-hans")],
)  # fmt: skip
def test_the_api_answers_in_the_language_the_request_accepts(accept_language, language):
    response = APIClient().get("/api/v1/suggestions/", HTTP_ACCEPT_LANGUAGE=accept_language)

    message = response.json()["error"]["message"]
    assert response["Content-Language"] == language
    assert "Accept-Language" in response["Vary"]
    assert bool(re.search(r"[\u4e00-\u9fff]", message)) == (language == "zh-hans"), message


def test_a_refused_move_is_explained_in_english_when_asked():
    pipe = Pipeline()
    suggestion = pipe.draft()
    client = APIClient()
    client.force_authenticate(pipe.school_staff)

    response = client.post(
        f"/api/v1/suggestions/{suggestion.pk}/collect/", {}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Not found."


@pytest.mark.parametrize("accept_language", ["", "zh-hans", "en"])
def test_names_a_code_generator_takes_are_ascii_in_every_language(accept_language):
    schema = Client().get("/api/schema/?format=json", HTTP_ACCEPT_LANGUAGE=accept_language).json()

    assert all(name.isascii() and name.isidentifier() for name in schema["components"]["schemas"])
    assert all(op["operationId"].isascii() for _path, _method, op in operations(schema, "/"))
    titles = re.findall(r'"title": "([^"]*)"', json.dumps(schema["components"], ensure_ascii=False))
    titles += re.findall(r'"title": "([^"]*)"', json.dumps(schema["paths"], ensure_ascii=False))
    assert [t for t in titles if not t.isascii()] == []
    for name, body in schema["components"]["schemas"].items():
        assert all(str(value).isascii() for value in body.get("enum", [])), name


@pytest.mark.parametrize("accept_language", ["zh-hans", "en"])
def test_the_schema_is_valid_openapi(accept_language):
    schema = Client().get("/api/schema/?format=json", HTTP_ACCEPT_LANGUAGE=accept_language).json()

    validate(schema)  # raises on the first error


REDOCLY = "@redocly/cli@2.77.0"
OPEN311 = "#/paths/~1api~1open311~1"


@pytest.fixture(scope="module")
def redocly_errors(django_db_blocker, tmp_path_factory):
    """The errors of Redocly's recommended rules (with the exceptions in redocly.yaml, each
    with its reason), each as (JSON pointer, rule). Needs node's npx and, the first time, the
    npm registry (then npx's cache); skipped without them."""
    npx = shutil.which("npx")
    if npx is None:
        pytest.skip("needs node's npx")
    env = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}
    run = functools.partial(subprocess.run, capture_output=True, text=True, timeout=300, env=env)
    if run([npx, "--yes", REDOCLY, "--version"]).returncode != 0:
        pytest.skip(f"{REDOCLY} could not be installed (no npm registry?)")
    schema = tmp_path_factory.mktemp("redocly") / "openapi.json"
    with django_db_blocker.unblock():
        schema.write_bytes(Client().get("/api/schema/?format=json").content)

    lint = run(
        [npx, "--yes", REDOCLY, "lint", "--config", str(settings.BASE_DIR / "redocly.yaml"),
         "--format", "json", str(schema)],
    )  # fmt: skip

    problems = json.loads(lint.stdout)["problems"]
    return [
        (problem["location"][0]["pointer"], problem["ruleId"])
        for problem in problems
        if problem["severity"] == "error"
    ]


def test_the_schema_passes_redoclys_recommended_rules(redocly_errors):
    assert [error for error in redocly_errors if not error[0].startswith(OPEN311)] == []


def test_the_open311_operations_pass_redoclys_recommended_rules(redocly_errors):
    assert [error for error in redocly_errors if error[0].startswith(OPEN311)] == []
