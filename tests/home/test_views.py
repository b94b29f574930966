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


def test_the_guardians_home_says_where_each_consent_stands_and_where_to_change_it(client):
    from datetime import date

    from django.utils.html import escape

    from groups.models import Role
    from privacy import services
    from tests.privacy.factories import child_with_guardian

    child, mine = child_with_guardian(consent=True)
    guardian = mine.guardian
    client.force_login(guardian.user)
    home = url("home", "zh-hans")
    change = url("guardian_child_privacy", "zh-hans", pk=child.pk)

    page = client.get(home).text
    assert "您的同意：已给出。孩子的账户已开通。" in page
    assert "照片：不允许。您的孩子不会出现在任何照片中。" in page
    assert f'<a href="{change}">修改{child.pseudonym}的同意和照片设置</a>' in page

    services.photo_consent_set(child=child, guardian=guardian, given=True, today=date(2026, 9, 1))
    assert "照片：自 2026-09-01 起允许。" in client.get(home).text

    # A second guardian, who has not given theirs: the first one's keeps the account open.
    other = GuardianshipFactory(child=child, guardian__user__role=Role.GUARDIAN).guardian
    client.force_login(other.user)
    assert escape("您的同意：未给出；另一位监护人的同意让账户保持开通。") in client.get(home).text

    # Withdrawn, nobody's consent holds: the account stays closed.
    services.consent_withdraw(child=child, guardian_user=guardian.user)
    for reader in [guardian, other]:
        client.force_login(reader.user)
        page = client.get(home).text
        assert "还没有同意：监护人同意之前，孩子的账户保持关闭。" in page
        assert "您的同意：已给出" not in page


@pytest.mark.parametrize("count", [1, 6])
def test_the_childs_home_page_takes_a_fixed_number_of_queries(
    client, count, django_assert_num_queries
):
    from groups.models import Role
    from suggestions.selectors import HOME_CARDS
    from tests.groups.factories import UserFactory, sub_team_with_members

    _sub_team, (child, *_rest) = sub_team_with_members(2)
    child.user = UserFactory(role=Role.CHILD)
    child.save()
    for state in ["draft", "returned", "at_school"] * count:
        suggestion = SuggestionFactory(child=child, state=state)
    Notification.objects.create(recipient=child.user, suggestion=suggestion, kind="answered")
    client.force_login(child.user)
    client.get(url("home", "zh-hans"))  # the session and the language settle first

    # session, user, unread count, then the home (tests/home/test_selectors.py)
    with django_assert_num_queries(15):
        page = client.get(url("home", "zh-hans")).text

    assert page.count('class="suggestion-card') == min(3 * count, HOME_CARDS)
    assert page.count('class="todo-') == 2 * count + 1  # drafts, questions, the answer


def test_the_menus_unread_count_has_words_for_a_screen_reader(client):
    from groups.models import Role
    from tests.groups.factories import ChildUserFactory

    child = ChildUserFactory(role=Role.CHILD).child
    Notification.objects.create(
        recipient=child.user, suggestion=SuggestionFactory(child=child), kind="answered"
    )
    client.force_login(child.user)

    chinese = client.get(url("home", "zh-hans")).text
    english = client.get(url("home")).text

    assert chinese.count('<span class="visually-hidden">（1 条未读）</span>') == 2
    assert english.count('<span class="visually-hidden">(1 unread)</span>') == 2
    assert '<span class="badge" aria-hidden="true">1</span>' in english


def empty_states(page: str) -> list[str]:
    """The titles of the design system's empty states (templates/includes/empty.html)."""
    import re

    return re.findall(r'<div class="empty">.*?<p class="empty-title">(.*?)</p>', page, re.S)


def test_nothing_yet_is_said_with_the_design_systems_empty_state(client):
    from tests.groups.factories import ChildUserFactory, GuardianFactory

    client.force_login(ChildUserFactory().child.user)
    assert empty_states(client.get(url("home")).text) == [
        "Nothing is waiting for you. What did you notice today at school or near home?",
        "You have not written a suggestion yet. What would make your school or your community "
        "better for children?",
    ]
    assert empty_states(client.get(url("my_suggestions")).text) == [
        "You have not written a suggestion yet. What would make your school or your community "
        "better for children?"
    ]

    client.force_login(GuardianFactory().user)
    assert empty_states(client.get(url("home")).text) == [
        "No news since your last visit.",
        "No child is linked to your account yet.",
    ]
    client.force_login(GuardianshipFactory().guardian.user)
    assert empty_states(client.get(url("my_suggestions")).text) == [
        "Your children have not written a suggestion yet."
    ]
