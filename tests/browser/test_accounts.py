import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE
from tests.groups.factories import PASSWORD, AdminFactory, UserFactory

pytestmark = pytest.mark.browser


def test_a_child_logs_in_sees_the_home_page_and_switches_language(portal):
    UserFactory(username="egret", display_name="小白鹭")
    page = portal.page

    portal.goto("/")
    expect(page).to_have_title(re.compile("杭州市儿童观察团"))
    page.get_by_role("main").get_by_role("button", name="登录").click()
    page.get_by_label("用户名").fill("egret")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="登录").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("欢迎你，小白鹭")
    expect(page.get_by_text("儿童观察员")).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, 小白鹭")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url == portal.base_url + "/en/"

    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("欢迎你，小白鹭")
    assert page.url == portal.base_url + "/"

    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("banner").get_by_role("link", name="登录")).to_be_visible()

    assert portal.foreign_requests() == []
    assert portal.serious_accessibility_violations() == []


def test_a_wrong_password_is_refused_in_english_and_the_username_is_kept(portal):
    UserFactory(username="egret")
    page = portal.page

    portal.goto("/en/accounts/login/")
    page.get_by_label("Username").fill("egret")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("main").get_by_role("button", name="Log in").click()

    expect(page.get_by_role("alert")).to_contain_text(
        "Please enter a correct username and password"
    )
    expect(page.get_by_label("Username")).to_have_value("egret")
    expect(page.get_by_label("Password")).to_have_value("")
    assert portal.serious_accessibility_violations() == []


def _login_with_errors(portal, prefix):
    portal.goto(f"{prefix}/accounts/login/")
    portal.page.locator("main form button[type=submit]").click()
    portal.page.wait_for_load_state()


def _password_change_with_errors(portal, prefix):
    portal.log_in_as(UserFactory())
    portal.goto(f"{prefix}/accounts/password/change/")
    portal.page.locator("#id_new_password1").fill("123")
    portal.page.locator("main form button[type=submit]").click()
    portal.page.wait_for_load_state()


PAGES = {
    "home, visitor": lambda portal, prefix: portal.goto(f"{prefix}/"),
    "home, child": lambda portal, prefix: (
        portal.log_in_as(UserFactory()),
        portal.goto(f"{prefix}/"),
    ),
    "home, admin": lambda portal, prefix: (
        portal.log_in_as(AdminFactory()),
        portal.goto(f"{prefix}/"),
    ),
    "login": lambda portal, prefix: portal.goto(f"{prefix}/accounts/login/"),
    "login with errors": _login_with_errors,
    "password change": lambda portal, prefix: (
        portal.log_in_as(UserFactory()),
        portal.goto(f"{prefix}/accounts/password/change/"),
    ),
    "password change with errors": _password_change_with_errors,
    "password changed": lambda portal, prefix: (
        portal.log_in_as(UserFactory()),
        portal.goto(f"{prefix}/accounts/password/change/done/"),
    ),
    "not found": lambda portal, prefix: portal.goto(f"{prefix}/no-such-page/"),
    "admin login": lambda portal, prefix: portal.goto(f"{prefix}/admin/login/"),
    "admin index": lambda portal, prefix: (
        portal.log_in_as(AdminFactory()),
        portal.goto(f"{prefix}/admin/"),
    ),
    "admin users": lambda portal, prefix: (
        portal.log_in_as(AdminFactory()),
        portal.goto(f"{prefix}/admin/groups/user/"),
    ),
    "admin add user": lambda portal, prefix: (
        portal.log_in_as(AdminFactory()),
        portal.goto(f"{prefix}/admin/groups/user/add/"),
    ),
}


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("prefix", ["", "/en"], ids=["zh-hans", "en"])
@pytest.mark.parametrize("name", PAGES)
def test_every_page_is_accessible_fits_a_phone_and_stays_on_the_portals_host(
    portal, name, prefix, viewport
):
    portal.page.set_viewport_size(viewport)

    PAGES[name](portal, prefix)

    expect(portal.page.locator("html")).to_have_attribute("lang", "en" if prefix else "zh-hans")
    assert portal.serious_accessibility_violations() == []
    assert not portal.overflows_sideways()
    assert portal.foreign_requests() == []
