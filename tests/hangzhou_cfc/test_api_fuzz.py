"""Schema fuzzing: schemathesis generates requests for every operation of the OpenAPI schema,
valid and invalid, and sends them with each role's token. No response may be a 5xx, and every
documented response must match the schema.

The counts (operations, requests) are printed at the end of the run. `CI=true` (as `.ci/run`
sets it) runs the full fuzz; elsewhere a short one keeps the local suite quick: every operation
and role with the random examples, without schemathesis's coverage phase (each edge case the
schema defines, most of the requests). To run the full one locally:
`CI=true .venv/bin/pytest tests/hangzhou_cfc/test_api_fuzz.py`.
"""

import os
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error, response_schema_conformance

from groups.models import Role
from tests.groups.factories import (
    AdminFactory,
    GuardianshipFactory,
    MembershipFactory,
    MentorFactory,
    StaffFactory,
)
from tests.suggestions.factories import Pipeline

ROLES = ["anonymous", "child", "guardian", "mentor", "school", "department", "admin"]
FULL = os.environ.get("CI") == "true"
# Examples per operation and role: enough to reach every parameter's edge, quick in CI.
EXAMPLES = 8
SENT = Counter()


# Loaded through the app itself (no server): the schema needs no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
schema.config.phases.coverage.enabled = FULL


@pytest.fixture
def keep_the_test_connection():
    """The app is called directly (as Django's test client does): the end of a request must
    not close the test's database connection and its transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """A small world (a child's suggestion, a sub-team with a mentor) and a token for each
    role in it (none for the anonymous caller), made once for the module's 45 operations.

    It lives in a transaction rolled back after the module's last test; each test runs in a
    savepoint inside it (its `db`), so what one operation's requests write the next never
    sees: each starts from this world as it was made (as tests/conftest.py's seeded_demo)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        pipe = Pipeline()
        pipe.draft()
        membership = MembershipFactory(child=pipe.child)
        users = {
            "child": pipe.child_user,
            "guardian": GuardianshipFactory(child=pipe.child).guardian.user,
            "mentor": MentorFactory(sub_teams=[membership.sub_team]).user,
            "school": pipe.school_staff,
            "department": StaffFactory(user__role=Role.DEPARTMENT).user,
            "admin": AdminFactory(),
        }
        made = {
            role: Token.objects.create(user=users[role]).key if role in users else None
            for role in ROLES
        }
    yield made
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def tokens(world, db, keep_the_test_connection):
    """The world's tokens, by role, for one operation's test."""
    return world


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    # The same requests on every run: CI is not a lottery. (Run with more examples, or
    # without derandomize, to explore.)
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.django_db
def test_no_operation_answers_5xx_or_off_schema(case, tokens):
    for token in tokens.values():
        headers = {"Authorization": f"Token {token}"} if token else {}
        SENT[case.operation.label] += 1
        case.call_and_validate(
            headers=headers, checks=[not_a_server_error, response_schema_conformance]
        )


def test_zz_report_how_much_was_fuzzed(capsys):
    """Runs after the fuzzing (pytest keeps the file's order): prints the counts."""
    if SENT:
        with capsys.disabled():
            print(
                f"\nschema fuzzing: {len(SENT)} operations, {sum(SENT.values())} requests "
                f"over {len(ROLES)} roles"
            )
