"""A guardian links their WeChat in a browser: the button on their message settings, WeChat's
authorization (the stand-in's, which says yes at once) and back; the pages pass axe on a phone
in both languages."""

import pytest

from messaging.models import Preferences
from tests.groups.factories import GuardianshipFactory
from tests.messaging.conftest import wechat  # noqa: F401 (the stand-in's fixture)
from tests.suggestions.factories import Pipeline

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LANGUAGES = {
    "zh-hans": ("", "绑定微信", "解除绑定微信"),
    "en": ("/en", "Link WeChat", "Unlink WeChat"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_guardian_links_their_wechat_in_the_browser(portal, wechat, settings, language):  # noqa: F811
    prefix, button, unlink = LANGUAGES[language]
    settings.PORTAL_BASE_URL = portal.base_url
    guardian = GuardianshipFactory(child=Pipeline().child).guardian.user
    wechat.visitor = openid = wechat.follow()
    portal.log_in_as(guardian)
    portal.page.set_viewport_size(PHONE)

    portal.goto(f"{prefix}/messages/settings/")
    assert portal.serious_accessibility_violations() == []
    assert not portal.overflows_sideways()
    portal.page.get_by_role("button", name=button).click()
    portal.page.get_by_role("button", name=unlink).wait_for()
    back = portal.page.url.split("#")[0]  # a redirect keeps the fragment of the one before
    assert back == f"{portal.base_url}{prefix}/messages/settings/"

    assert Preferences.objects.get(user=guardian).wechat_openid == openid
    assert portal.serious_accessibility_violations() == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_of_a_refused_link_passes_axe_on_a_phone(portal, wechat, language):  # noqa: F811
    prefix = LANGUAGES[language][0]
    portal.log_in_as(GuardianshipFactory(child=Pipeline().child).guardian.user)
    portal.page.set_viewport_size(PHONE)

    response = portal.goto(f"{prefix}/messages/wechat/callback/?code=x&state=forged")

    assert response.status == 400
    assert portal.page.locator("html").get_attribute("lang") == language
    assert portal.serious_accessibility_violations() == []
    assert not portal.overflows_sideways()
