import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
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


def _login_with_errors(portal):
    portal.page.locator("main form button[type=submit]").click()
    portal.page.wait_for_load_state()


def _password_change_with_errors(portal):
    portal.page.locator("#id_new_password1").fill("123")
    portal.page.locator("main form button[type=submit]").click()
    portal.page.wait_for_load_state()


# name: (who is logged in, the page's Chinese address)
PAGES = {
    "home, visitor": (None, "/"),
    "home, child": (UserFactory, "/"),
    "home, admin": (AdminFactory, "/"),
    "login": (None, "/accounts/login/"),
    "password change": (UserFactory, "/accounts/password/change/"),
    "password changed": (UserFactory, "/accounts/password/change/done/"),
    "not found": (None, "/no-such-page/"),
    "admin login": (None, "/admin/login/"),
    "admin index": (AdminFactory, "/admin/"),
    "admin users": (AdminFactory, "/admin/groups/user/"),
    "admin add user": (AdminFactory, "/admin/groups/user/add/"),
    "admin add membership": (AdminFactory, "/admin/groups/membership/add/"),
    "admin sub-teams": (AdminFactory, "/admin/groups/subteam/"),
}


@pytest.mark.parametrize("name", PAGES)
def test_every_page_is_accessible_in_both_languages_and_fits_a_phone(portal, name):
    login, path = PAGES[name]
    if login:
        portal.log_in_as(login())

    problems = portal.problems(path)

    if name == "not found":
        problems = [p for p in problems if "status 404" not in p]
    assert problems == []


@pytest.mark.parametrize(
    ("name", "login", "path", "submit"),
    [
        ("login with errors", None, "/accounts/login/", _login_with_errors),
        (
            "password change with errors",
            UserFactory,
            "/accounts/password/change/",
            _password_change_with_errors,
        ),
    ],
)
@pytest.mark.parametrize("prefix", ["", "/en"], ids=["zh-hans", "en"])
def test_forms_with_errors_are_accessible(portal, name, login, path, submit, prefix):
    if login:
        portal.log_in_as(login())
    portal.goto(prefix + path)

    submit(portal)

    assert portal.page.locator("[aria-invalid=true]").count() > 0, name
    assert portal.serious_accessibility_violations() == []
    portal.page.set_viewport_size(PHONE)
    assert not portal.overflows_sideways()
