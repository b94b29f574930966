import pytest
from auditlog.context import set_actor
from axes.models import AccessFailureLog, AccessLog

from suggestions.services import suggestion_transition
from tests.groups.factories import MembershipFactory
from tests.suggestions.factories import Pipeline, route_pending

pytestmark = pytest.mark.browser


def test_the_audit_trail_is_accessible_in_both_languages_and_fits_a_phone(portal):
    pipe = Pipeline()
    suggestion = pipe.draft()
    with set_actor(pipe.child_user):
        suggestion_transition(suggestion=suggestion, action="submit", user=pipe.child_user)
    route_pending()
    with set_actor(pipe.admin):
        MembershipFactory()
    AccessLog.objects.create(username=pipe.school_staff.username, user_agent="test")
    AccessFailureLog.objects.create(
        username="someone-who-typed-a-very-long-login-name-by-mistake", user_agent="test"
    )
    portal.log_in_as(pipe.admin)

    found = portal.problems("/audit/")
    found += portal.problems("/audit/?kind=stages&since=2026-01-01")

    assert found == []
