"""The messages page, as a guardian with SMS and WeChat served and a school's staff see it,
passes axe with no serious or critical violation on a phone and on a desktop, in both
languages, fits the phone's width, and keeps what was typed when the number is missing."""

import pytest

from tests.browser.conftest import DESKTOP
from tests.groups.factories import ChildUserFactory, GuardianshipFactory, StaffFactory
from tests.messaging.test_preferences_page import ALL_CHANNELS

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LANGUAGES = {"zh-hans": "", "en": "/en"}
PATH = "/messages/settings/"


@pytest.fixture
def served(settings):
    settings.MESSAGE_TRANSPORTS = ALL_CHANNELS


def sms_without_a_number(page):
    page.locator("input[name=topic_news][value=sms]").check()
    page.locator("form.message-settings button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#id_phone[aria-invalid=true]").count() == 1
    # What was ticked is still ticked.
    assert page.locator("input[name=topic_news][value=sms]").is_checked()


def problems(portal, viewport, then=None):
    page = portal.page
    page.set_viewport_size(viewport)
    found = []
    for language, prefix in LANGUAGES.items():
        response = portal.goto(prefix + PATH)
        where = f"{language} {PATH}{' (then)' if then else ''}"
        if response is None or response.status != 200:
            found.append(f"{where}: status {response and response.status}")
            continue
        if then:
            then(page)
        found += [f"{where}: {v}" for v in portal.serious_accessibility_violations()]
        if viewport == PHONE and portal.overflows_sideways():
            found.append(f"{where}: the page is wider than the phone")
    return found


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_messages_page_has_no_serious_accessibility_problem(portal, served, viewport):
    child = ChildUserFactory(email="kid@example.org").child
    guardian = GuardianshipFactory(child=child).guardian.user
    portal.log_in_as(guardian)
    found = problems(portal, viewport)
    found += problems(portal, viewport, then=sms_without_a_number)

    portal.log_in_as(StaffFactory().user)
    found += problems(portal, viewport)

    assert found == []
    assert portal.foreign_requests() == []
