import pytest
from django.urls import reverse
from django.utils import translation

from tests.groups.factories import PASSWORD, AdminFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(name, language="zh-hans", **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


def test_chinese_is_the_default_language_and_english_lives_under_en(client):
    chinese = client.get("/")
    english = client.get("/en/")

    assert chinese.status_code == english.status_code == 200
    assert '<html lang="zh-hans">' in chinese.text
    assert "杭州市儿童观察团" in chinese.text
    assert '<html lang="en">' in english.text
    assert "Hangzhou Children's Observation Group" in english.text


def test_a_browser_asking_for_english_still_gets_chinese_at_the_unprefixed_address(client):
    response = client.get("/", headers={"accept-language": "en-US,en;q=0.9"})

    assert '<html lang="zh-hans">' in response.text


def test_language_switch_leads_to_the_same_page_in_the_other_language(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})

    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/login/"


def test_language_switch_back_to_chinese_leads_to_the_unprefixed_address(client):
    response = client.post(
        reverse("set_language"), {"language": "zh-hans", "next": "/en/accounts/login/"}
    )

    assert response["Location"] == "/accounts/login/"


def test_login_with_a_right_password_leads_home_and_names_the_role(client):
    UserFactory(username="egret", display_name="小白鹭")

    response = client.post(url("login"), {"username": "egret", "password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == "/"
    assert "欢迎你，小白鹭" in response.text
    assert "儿童观察员" in response.text


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-hans", "请输入一个正确的用户名和密码"),
        ("en", "Please enter a correct username and password"),
    ],
)
@pytest.mark.parametrize("wrong", ["username", "password"])
def test_a_wrong_login_says_so_without_telling_which_half_was_wrong(
    client, language, message, wrong
):
    UserFactory(username="egret")
    data = {"username": "egret", "password": PASSWORD}
    data[wrong] = "not-it"

    response = client.post(url("login", language), data)

    assert response.status_code == 200
    assert message in response.text
    assert f'value="{data["username"]}"' in response.text, "what was typed is kept"
    assert "_auth_user_id" not in client.session


def test_an_empty_login_form_shows_field_errors_in_chinese(client):
    response = client.post(url("login"), {"username": "", "password": ""})

    assert response.status_code == 200
    assert response.text.count("该字段是必填项。") == 2
    assert 'aria-invalid="true"' in response.text


def test_logout_is_a_post_and_ends_the_session(client):
    client.force_login(UserFactory())

    response = client.post(url("logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_change_needs_a_login(client):
    response = client.get(url("password_change"))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_password_change_refuses_a_weak_password_in_english_and_keeps_the_old_one(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        url("password_change", "en"),
        {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"},
    )

    assert response.status_code == 200
    assert "This password is too short" in response.text
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_with_a_wrong_old_password_says_so_in_chinese(client):
    client.force_login(UserFactory())

    response = client.post(
        url("password_change"),
        {
            "old_password": "wrong",
            "new_password1": "a-new-long-password-42",
            "new_password2": "a-new-long-password-42",
        },
    )

    assert "你的旧密码不正确" in response.text


def test_password_change_keeps_the_user_logged_in_with_the_new_password(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        url("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-password-42",
            "new_password2": "a-new-long-password-42",
        },
        follow=True,
    )

    assert "密码已修改" in response.text
    user.refresh_from_db()
    assert user.check_password("a-new-long-password-42")
    assert client.get(url("home")).context["user"] == user


def test_admin_home_shows_whether_the_worker_runs(client):
    client.force_login(AdminFactory())

    response = client.get(url("home", "en"))

    assert "No background worker has reported yet" in response.text


def test_a_child_home_does_not_show_the_system_section(client):
    from tests.groups.factories import MembershipFactory

    child = MembershipFactory().child
    child.user = UserFactory()
    child.save()
    client.force_login(child.user)

    response = client.get(url("home", "en"))

    assert "Your sub-team" in response.text
    assert "background worker" not in response.text


@pytest.mark.parametrize(("prefix", "title"), [("", "页面不存在"), ("/en", "Page not found")])
def test_a_missing_page_is_a_404_in_the_portals_own_layout(client, prefix, title):
    response = client.get(f"{prefix}/no-such-page/")

    assert response.status_code == 404
    assert title in response.text
    assert "pico.min.css" in response.text
    assert "Traceback" not in response.text


def test_the_admin_site_is_forbidden_to_a_non_staff_user(client):
    client.force_login(UserFactory())

    response = client.get(url("admin:index"))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_403_is_shown_in_the_portals_own_layout(rf):
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    with translation.override("en"):
        response = permission_denied(rf.get("/"), PermissionDenied())

    assert response.status_code == 403
    assert b"Not allowed" in response.content
    assert b"pico.min.css" in response.content


def test_a_post_without_csrf_token_gets_the_portals_own_403_page(client):
    csrf_client = client.__class__(enforce_csrf_checks=True)

    response = csrf_client.post(url("login", "en"), {"username": "x", "password": "y"})

    assert response.status_code == 403
    assert "The form has expired" in response.text


def test_healthz_answers_ok(client):
    response = client.get("/healthz")

    assert response.json() == {"status": "ok"}


def test_a_server_error_is_shown_in_the_portals_own_layout_without_details(rf):
    from django.views.defaults import server_error

    with translation.override("en"):
        response = server_error(rf.get("/"))

    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert b"pico.min.css" in response.content
    assert b"Traceback" not in response.content


def test_five_wrong_passwords_lock_the_login_out_for_a_while_with_a_message(client):
    UserFactory(username="egret")
    wrong = {"username": "egret", "password": "not-it"}

    for _ in range(4):
        assert client.post(url("login"), wrong).status_code == 200
    locked = client.post(url("login"), wrong)
    still = client.post(url("login"), {"username": "egret", "password": PASSWORD})

    assert locked.status_code == 429
    assert "尝试次数太多" in locked.text
    assert still.status_code == 429, "even the right password, until the cool-off ends"
    other = client.post(url("login"), {"username": "someone-else", "password": "x"})
    assert other.status_code == 200, "another name from the same address is not locked"


def test_a_right_password_resets_the_count_of_failures(client):
    UserFactory(username="egret")
    for _ in range(4):
        client.post(url("login"), {"username": "egret", "password": "not-it"})
    client.post(url("login"), {"username": "egret", "password": PASSWORD})
    client.post(url("logout"))

    for _ in range(4):
        assert client.post(url("login"), {"username": "egret", "password": "x"}).status_code == 200


def test_a_login_starts_a_new_session(client):
    UserFactory(username="egret")
    client.get(url("login"))
    before = client.session.session_key

    client.post(url("login"), {"username": "egret", "password": PASSWORD})

    assert client.session.session_key != before


def test_a_session_idle_for_too_long_is_ended_with_a_message(client, settings):
    from hangzhou_cfc.middleware import LAST_SEEN

    client.force_login(UserFactory())
    session = client.session
    session[LAST_SEEN] -= settings.SESSION_IDLE_TIMEOUT.total_seconds() + 1
    session.save()

    response = client.get(url("home", "en"), follow=True)

    assert "You were logged out after 30 minutes without activity." in response.text
    assert "_auth_user_id" not in client.session


def test_an_active_session_goes_on(client):
    client.force_login(UserFactory(display_name="小白鹭"))

    assert "小白鹭" in client.get(url("home")).text
    assert "_auth_user_id" in client.session


def test_new_passwords_are_hashed_with_argon2(settings):
    from hangzhou_cfc.settings import base

    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
    user = UserFactory()
    user.set_password("a long and new passphrase")
    user.save()

    assert user.password.startswith("argon2")
    assert user.check_password("a long and new passphrase")
