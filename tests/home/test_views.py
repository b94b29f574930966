"""The guardian's home as a page: its notices about each child's suggestions."""

import pytest

from suggestions.models import Notification
from tests.groups.factories import GuardianshipFactory
from tests.helpers import url
from tests.suggestions.factories import SuggestionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("children", [1, 4])
def test_the_guardians_home_names_each_child_in_a_fixed_number_of_queries(
    client, children, django_assert_num_queries
):
    guardian = GuardianshipFactory().guardian
    for _ in range(children - 1):
        GuardianshipFactory(guardian=guardian)
    for child in guardian.children.all():
        for kind in ["answered", "progress"]:
            Notification.objects.create(
                recipient=guardian.user, suggestion=SuggestionFactory(child=child), kind=kind
            )
    client.force_login(guardian.user)
    client.get(url("home", "zh-hans"))  # the session and the language settle first

    # session, user, unread count, then the home (tests/home/test_selectors.py)
    with django_assert_num_queries(10):
        page = client.get(url("home", "zh-hans")).text

    named = sum(page.count(f"{child.pseudonym}的建议有") for child in guardian.children.all())
    assert named == min(2 * children, 5)  # the five newest notices, each naming its child
    assert "你的建议" not in page
