"""The privacy app's reads cost a fixed number of queries, whatever the number of rows."""

import pytest

from privacy import selectors, services
from tests.groups.factories import AdminFactory, ChildFactory
from tests.privacy.factories import child_with_guardian

pytestmark = pytest.mark.django_db


def test_the_office_list_of_children_is_one_query(django_assert_num_queries):
    for _ in range(3):
        child_with_guardian(consent=True)
    ChildFactory()

    with django_assert_num_queries(1):
        rows = list(selectors.children_privacy_states(state="waiting"))

    assert len(rows) == 1 and rows[0].consents_in_force == 0


def test_a_childs_consent_requests_and_their_emails_are_two_queries(
    django_assert_num_queries, django_capture_on_commit_callbacks
):
    child, guardianship = child_with_guardian()
    for _ in range(3):
        services.consent_request_send(guardianship=guardianship, sent_by=AdminFactory())

    with django_assert_num_queries(2):
        requests = selectors.consent_requests_with_emails(child)

    assert len(requests) == 3 and all(request.email is not None for request in requests)
