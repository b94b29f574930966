"""WeChat template messages to a guardian who linked their WeChat, through the outbox, against
the WeChat stand-in (tests/standins/wechat.py); and the linking itself (OAuth2 web
authorization), with the stand-in's authorize page sending the browser back."""

import json
from datetime import datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings
from django.utils import timezone

from groups.models import ChildPersonalData, Role
from messaging import services
from messaging.models import Channel, Message, MessageState, Preferences
from messaging.transports import transport_for
from messaging.transports.wechat import WeChatTemplate
from suggestions import services as suggestion_services
from tests.groups.factories import GuardianshipFactory
from tests.helpers import url, wait_for
from tests.standins.wechat import TEMPLATE_ID
from tests.suggestions.factories import route_pending

pytestmark = pytest.mark.django_db

REAL_NAME = "欧阳雨桐"
TITLE = "学校门口需要一条斑马线 和红绿灯"


def guardian_on_wechat(pipe, wechat, *, language="en"):
    """The child's guardian, who follows the Official Account and linked their WeChat."""
    guardian = GuardianshipFactory(child=pipe.child).guardian.user
    openid = wechat.follow()
    Preferences.objects.create(
        user=guardian, language=language, wechat_openid=openid, wechat_linked_at=timezone.now()
    )
    return guardian, openid


def answered(pipe):
    """The school declines the child's suggestion: the child and the guardians hear of it."""
    ChildPersonalData.objects.get_or_create(child=pipe.child, defaults={"real_name": REAL_NAME})
    suggestion = pipe.draft(title=TITLE)
    suggestion_services.suggestion_transition(
        suggestion=suggestion, action="submit", user=pipe.child_user
    )
    route_pending()
    suggestion.refresh_from_db()
    suggestion_services.suggestion_transition(
        suggestion=suggestion, action="decline", user=pipe.school_staff, note="这条路归省里管。"
    )
    return suggestion


def wechat_message(guardian):
    return Message.objects.get(recipient=guardian, channel=Channel.WECHAT)


def later(minutes):
    return timezone.now() + timedelta(minutes=minutes)


# --- Sending ---------------------------------------------------------------------------------


def test_an_answer_reaches_the_linked_guardian_on_wechat_in_their_language_without_names(
    pipe, wechat, django_capture_on_commit_callbacks
):
    guardian, openid = guardian_on_wechat(pipe, wechat, language="en")

    with django_capture_on_commit_callbacks(execute=True):
        suggestion = answered(pipe)

    message = wechat_message(guardian)
    (sent,) = wechat.sent_to(openid)
    assert (message.state, message.provider_id) == (MessageState.SENT, str(sent["msgid"]))
    assert sent["template_id"] == TEMPLATE_ID
    assert sent["data"] == {
        "first": {"value": "小白鹭's suggestion has an answer"},
        "thing1": {"value": "小白鹭"},
        "thing2": {"value": "学校门口需要一条斑马线…"},
        "thing3": {"value": "has an answer"},
    }
    assert sent["url"] == f"{settings.PORTAL_BASE_URL}/en/suggestions/{suggestion.pk}/"
    everything = json.dumps(sent, ensure_ascii=False)
    for secret in (REAL_NAME, TITLE, suggestion.noticed, suggestion.proposal):
        assert secret not in everything


def test_a_value_longer_than_its_template_field_takes_is_cut(pipe, wechat, settings):
    """WeChat refuses a "thing" longer than 20 characters (47003): the message would be lost."""
    template = settings.WECHAT_TEMPLATES["suggestions.notification"]["en"]
    template["data"] = {**template["data"], "thing4": "subject"}
    guardian, openid = guardian_on_wechat(pipe, wechat, language="en")
    answered(pipe)

    assert services.message_send(message_id=wechat_message(guardian).pk) == "sent"
    (sent,) = wechat.sent_to(openid)
    assert sent["data"]["thing4"] == {"value": "小白鹭's suggestion…"}


def test_a_guardian_who_reads_chinese_gets_the_news_in_chinese(pipe, wechat):
    guardian, openid = guardian_on_wechat(pipe, wechat, language="zh-hans")
    answered(pipe)

    assert services.message_send(message_id=wechat_message(guardian).pk) == "sent"
    (sent,) = wechat.sent_to(openid)
    assert sent["data"]["first"] == {"value": "小白鹭的建议有了答复"}
    assert sent["url"].startswith(f"{settings.PORTAL_BASE_URL}/suggestions/")


def test_an_expired_token_is_fetched_anew_and_the_message_still_sent(pipe, wechat):
    guardian, openid = guardian_on_wechat(pipe, wechat)
    answered(pipe)
    transport_for(Channel.WECHAT).client.fetch_access_token()
    wechat.expire_token()

    assert services.message_send(message_id=wechat_message(guardian).pk) == "sent"
    assert wechat.token_fetches == 2
    assert len(wechat.sent_to(openid)) == 1


def test_a_token_refused_after_a_fresh_one_was_fetched_is_tried_again_later(pipe, wechat):
    guardian, openid = guardian_on_wechat(pipe, wechat)
    answered(pipe)
    wechat.fail(2, errcode=40001)

    message = wechat_message(guardian)
    assert services.message_send(message_id=message.pk) == "retry"
    message.refresh_from_db()
    assert (message.state, message.last_error) == (MessageState.FAILED, "40001")
    assert wechat.token_fetches == 2, "one fresh token, not one per refusal"

    assert services.message_send(message_id=message.pk, now=later(5)) == "sent"
    assert len(wechat.sent_to(openid)) == 1


def test_one_token_serves_every_process_that_shares_the_cache(pipe, wechat):
    """Each worker process builds its own transport; the token is fetched once for all."""
    guardian, openid = guardian_on_wechat(pipe, wechat)
    answered(pipe)
    answered(pipe)
    first, second = Message.objects.filter(recipient=guardian, channel=Channel.WECHAT)

    assert services.message_send(message_id=first.pk) == "sent"
    transport_for.cache_clear()  # another process: a transport of its own
    assert services.message_send(message_id=second.pk) == "sent"
    assert wechat.token_fetches == 1
    assert len(wechat.sent_to(openid)) == 2


def test_a_guardian_who_unfollowed_is_given_up_at_once_with_the_code_and_reason(pipe, wechat):
    guardian, openid = guardian_on_wechat(pipe, wechat)
    answered(pipe)
    wechat.unfollow(openid)

    message = wechat_message(guardian)
    assert services.message_send(message_id=message.pk) == "given_up"
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_error) == (
        MessageState.GIVEN_UP,
        1,
        "43004",
    )
    assert message.reason.startswith("require subscribe")
    assert wechat.sent == []


@pytest.mark.parametrize("errcode", [40003, 40037])
def test_an_openid_or_template_wechat_does_not_know_is_given_up(pipe, wechat, settings, errcode):
    guardian, _openid = guardian_on_wechat(pipe, wechat)
    if errcode == 40003:
        Preferences.objects.filter(user=guardian).update(wechat_openid="o-never-followed")
    else:
        wechat.templates.clear()
    answered(pipe)

    message = wechat_message(guardian)
    assert services.message_send(message_id=message.pk) == "given_up"
    message.refresh_from_db()
    assert message.last_error == str(errcode)


@pytest.mark.parametrize("errcode", [45009, 45047])
def test_a_throttled_message_is_tried_again_later_and_sent_once(pipe, wechat, errcode):
    guardian, openid = guardian_on_wechat(pipe, wechat)
    answered(pipe)
    wechat.throttle(errcode)

    message = wechat_message(guardian)
    assert services.message_send(message_id=message.pk) == "retry"
    message.refresh_from_db()
    assert (message.state, message.last_error) == (MessageState.FAILED, str(errcode))
    assert message.send_after > timezone.now()
    assert services.message_send(message_id=message.pk) == "not_pending", "not before its time"

    wechat.throttle(None)
    services.messages_resend(now=later(10))
    message.refresh_from_db()
    assert message.state == MessageState.SENT
    assert len(wechat.sent_to(openid)) == 1


def test_a_busy_wechat_is_tried_again(pipe, wechat):
    guardian, _openid = guardian_on_wechat(pipe, wechat)
    answered(pipe)
    wechat.fail(1, errcode=-1)

    message = wechat_message(guardian)
    assert services.message_send(message_id=message.pk) == "retry"
    message.refresh_from_db()
    assert message.last_error == "-1"
    assert services.message_send(message_id=message.pk, now=later(5)) == "sent"


def test_a_message_wechat_did_not_answer_in_time_is_given_up_not_sent_twice(pipe, wechat, settings):
    """The request went out: WeChat may have sent it (here it did, after the timeout)."""
    settings.WECHAT_TIMEOUT = 0.3
    transport_for.cache_clear()
    guardian, openid = guardian_on_wechat(pipe, wechat)
    answered(pipe)
    transport_for(Channel.WECHAT).client.fetch_access_token()
    wechat.delay(1)

    message = wechat_message(guardian)
    assert services.message_send(message_id=message.pk) == "given_up"
    message.refresh_from_db()
    assert (message.state, message.last_error) == (MessageState.GIVEN_UP, services.IN_DOUBT)
    wechat.delay(0)
    services.messages_resend(now=later(60 * 24))
    wait_for(lambda: wechat.sent_to(openid), timeout=5)  # the late answer's message
    assert len(wechat.sent_to(openid)) == 1


def test_a_wechat_that_cannot_be_reached_is_tried_again(pipe, wechat):
    guardian, _openid = guardian_on_wechat(pipe, wechat)
    answered(pipe)
    wechat.stop()

    message = wechat_message(guardian)
    assert services.message_send(message_id=message.pk) == "retry"
    message.refresh_from_db()
    assert (message.state, message.last_error) == (MessageState.FAILED, "ConnectionError")


def test_no_wechat_message_reaches_a_family_at_night(pipe, wechat, settings):
    settings.MESSAGES_QUIET_HOURS = (21, 8)
    guardian, _openid = guardian_on_wechat(pipe, wechat)
    answered(pipe)
    night = timezone.make_aware(
        datetime.combine(timezone.localdate() + timedelta(days=1), time(23))
    )

    message = wechat_message(guardian)
    assert services.message_send(message_id=message.pk, now=night) == "later"
    message.refresh_from_db()
    assert timezone.localtime(message.send_after).hour == 8
    assert wechat.sent == []


def test_a_guardian_who_did_not_link_wechat_gets_no_wechat_message(pipe, wechat):
    guardian, _openid = guardian_on_wechat(pipe, wechat)
    Preferences.objects.filter(user=guardian).update(wechat_openid="", wechat_linked_at=None)
    answered(pipe)

    assert not Message.objects.filter(recipient=guardian, channel=Channel.WECHAT).exists()
    assert Message.objects.filter(recipient=guardian, channel=Channel.INBOX).exists()


def test_a_message_with_no_template_set_up_is_given_up_and_says_so(pipe, wechat, settings):
    settings.WECHAT_TEMPLATES = {}
    guardian, _openid = guardian_on_wechat(pipe, wechat)
    answered(pipe)

    message = wechat_message(guardian)
    assert services.message_send(message_id=message.pk) == "given_up"
    message.refresh_from_db()
    assert message.last_error == "no_template"
    assert wechat.sent == []


def test_the_wechat_transport_is_the_one_set_up(wechat):
    transport = transport_for(Channel.WECHAT)
    assert isinstance(transport, WeChatTemplate)
    assert (transport.quiet_for_families, transport.resend_in_doubt) == (True, False)


# --- Linking ---------------------------------------------------------------------------------


def link_to_wechat(client, language="en"):
    """Press "Link WeChat": the address WeChat is asked at."""
    response = client.post(url("wechat_link", language))
    assert response.status_code == 302
    return response["Location"]


def through_wechat(location):
    """The browser opens WeChat's authorize page, which sends it back to the portal: the path
    and query of the portal's address it is sent to."""
    answer = requests.get(location.split("#")[0], allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    assert f"{back.scheme}://{back.netloc}" == settings.PORTAL_BASE_URL
    return f"{back.path}?{back.query}"


@pytest.fixture
def guardian(pipe):
    return GuardianshipFactory(child=pipe.child).guardian.user


def test_a_guardian_links_their_wechat_and_then_hears_there_of_their_child(
    client, pipe, guardian, wechat
):
    client.force_login(guardian)
    wechat.visitor = openid = wechat.follow()

    location = link_to_wechat(client)
    asked = urlsplit(location)
    query = {key: value for key, (value,) in parse_qs(asked.query).items()}
    assert f"{asked.scheme}://{asked.netloc}{asked.path}" == wechat.authorize_url
    assert asked.fragment == "wechat_redirect"
    assert query["appid"] == settings.WECHAT_APP_ID
    assert (query["response_type"], query["scope"]) == ("code", "snsapi_base")
    assert query["redirect_uri"] == settings.PORTAL_BASE_URL + url("wechat_callback", "en")
    assert query["state"].isalnum() and len(query["state"]) <= 128

    response = client.get(through_wechat(location))
    assert response.status_code == 302
    assert response["Location"] == url("message_preferences", "en")
    preferences = Preferences.objects.get(user=guardian)
    assert preferences.wechat_openid == openid
    assert preferences.wechat_linked_at is not None

    answered(pipe)
    assert services.message_send(message_id=wechat_message(guardian).pk) == "sent"
    assert len(wechat.sent_to(openid)) == 1


@pytest.mark.parametrize("role", [Role.CHILD, Role.SCHOOL])
def test_only_a_guardian_may_link_a_wechat(client, pipe, wechat, role):
    user = pipe.child_user if role == Role.CHILD else pipe.school_staff
    client.force_login(user)

    assert client.post(url("wechat_link")).status_code == 403
    assert client.get(url("wechat_callback"), {"code": "x", "state": "y"}).status_code == 403
    assert client.post(url("wechat_unlink")).status_code == 403
    assert not Preferences.objects.filter(user=user).exclude(wechat_openid="").exists()


def test_a_forged_state_links_nothing_and_says_why(client, guardian, wechat, in_english):
    client.force_login(guardian)
    wechat.visitor = wechat.follow()
    back = through_wechat(link_to_wechat(client))
    path, query = back.split("?")
    forged = {key: value for key, (value,) in parse_qs(query).items()}
    forged["state"] = "0" * 96

    response = client.get(path, forged)

    assert response.status_code == 400
    assert "This link is old or was not made for you" in response.content.decode()
    assert not Preferences.objects.filter(user=guardian).exists()


def test_a_state_made_for_another_guardian_links_nothing(client, pipe, guardian, wechat):
    from django.test import Client

    other = Client()
    other.force_login(GuardianshipFactory(child=pipe.child).guardian.user)
    wechat.visitor = wechat.follow()
    theirs = through_wechat(link_to_wechat(other, "zh-hans"))
    client.force_login(guardian)
    link_to_wechat(client, "zh-hans")  # this session has a state of its own

    response = client.get(theirs)

    assert response.status_code == 400
    assert "绑定微信" in response.content.decode(), "in the page's language"
    assert not Preferences.objects.exclude(wechat_openid="").exists()


def test_a_state_is_good_once(client, guardian, wechat):
    client.force_login(guardian)
    wechat.visitor = wechat.follow()
    back = through_wechat(link_to_wechat(client))
    assert client.get(back).status_code == 302
    Preferences.objects.filter(user=guardian).update(wechat_openid="")

    assert client.get(back).status_code == 400
    assert Preferences.objects.get(user=guardian).wechat_openid == ""


def test_a_state_too_old_links_nothing(client, guardian, wechat, monkeypatch):
    import time

    client.force_login(guardian)
    wechat.visitor = wechat.follow()
    back = through_wechat(link_to_wechat(client))
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 11 * 60)

    assert client.get(back).status_code == 400
    assert not Preferences.objects.filter(user=guardian).exists()


def test_a_code_wechat_refuses_links_nothing(client, guardian, wechat, in_english):
    client.force_login(guardian)
    wechat.visitor = wechat.follow()
    back = through_wechat(link_to_wechat(client))
    path, query = back.split("?")
    refused = {key: value for key, (value,) in parse_qs(query).items()}
    refused["code"] = "a-code-wechat-never-gave"

    response = client.get(path, refused)

    assert response.status_code == 400
    assert "WeChat did not accept this link" in response.content.decode()
    assert not Preferences.objects.filter(user=guardian).exists()


def test_a_wechat_that_cannot_be_reached_while_linking_links_nothing(client, guardian, wechat):
    client.force_login(guardian)
    wechat.visitor = wechat.follow()
    back = through_wechat(link_to_wechat(client))
    wechat.stop()

    response = client.get(back)

    assert response.status_code == 503
    assert not Preferences.objects.filter(user=guardian).exists()


def test_a_guardian_unlinks_their_wechat_and_gets_no_more_there(client, pipe, wechat):
    guardian, _openid = guardian_on_wechat(pipe, wechat)
    answered(pipe)
    client.force_login(guardian)

    response = client.post(url("wechat_unlink"))

    assert response.status_code == 302
    preferences = Preferences.objects.get(user=guardian)
    assert (preferences.wechat_openid, preferences.wechat_linked_at) == ("", None)
    assert services.message_send(message_id=wechat_message(guardian).pk) == "skipped"
    assert wechat.sent == []


def test_linking_is_not_offered_where_wechat_is_not_set_up(client, guardian, wechat, settings):
    settings.WECHAT_APP_ID = ""
    client.force_login(guardian)

    assert client.post(url("wechat_link")).status_code == 404


# --- One token for every process -------------------------------------------------------------

ANOTHER_WORKER = """
import json, os, sys
import django
django.setup()
from django.conf import settings
for name, value in json.loads(sys.argv[1]).items():
    setattr(settings, name, value)
from types import SimpleNamespace
from messaging.transports import Content
from messaging.transports.wechat import WeChatTemplate
message = SimpleNamespace(pk=1, template="suggestions.notification", language="en")
content = Content("subject", "body", "", {"child": "c", "title": "t", "news": "n"})
print(WeChatTemplate().send(message=message, content=content, address=sys.argv[2]))
"""


@pytest.mark.redis
def test_worker_processes_share_one_access_token_through_redis(pipe, wechat, settings):
    import os
    import subprocess
    import sys

    from hangzhou_cfc.settings.base import redis_cache

    shared = {
        "CACHES": {"default": {**redis_cache(settings.REDIS_URL), "KEY_PREFIX": "wechat-test"}},
        **{
            name: getattr(settings, name)
            for name in ("WECHAT_APP_ID", "WECHAT_APP_SECRET", "WECHAT_API_BASE_URL")
        },
        "WECHAT_TEMPLATES": settings.WECHAT_TEMPLATES,
    }
    settings.CACHES = shared["CACHES"]
    from django.core.cache import cache

    cache.clear()
    transport_for.cache_clear()
    guardian, openid = guardian_on_wechat(pipe, wechat)
    answered(pipe)
    assert services.message_send(message_id=wechat_message(guardian).pk) == "sent"

    worker = subprocess.run(
        [sys.executable, "-c", ANOTHER_WORKER, json.dumps(shared), openid],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "hangzhou_cfc.settings.test"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert worker.returncode == 0, worker.stderr
    assert len(wechat.sent_to(openid)) == 2
    assert wechat.token_fetches == 1, "the other process used the token this one fetched"
    cache.clear()


def test_the_portals_csp_lets_link_wechat_go_on_to_wechats_authorization_page():
    """Browsers hold a form's redirects to form-action: without WeChat's origin there, "Link
    WeChat" stops at the portal (tests/browser/test_wechat_link.py follows it in a browser)."""
    import os
    import subprocess
    import sys

    read = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hangzhou_cfc.settings.test"}
    with_wechat = subprocess.run(
        [sys.executable, "-c", read],
        env={**env, "WECHAT_APP_ID": "wx-app"},
        capture_output=True,
        text=True,
        check=True,
    )
    without = subprocess.run(
        [sys.executable, "-c", read],
        env={key: value for key, value in env.items() if key != "WECHAT_APP_ID"},
        capture_output=True,
        text=True,
        check=True,
    )

    assert with_wechat.stdout.strip() == "[\"'self'\", 'https://open.weixin.qq.com']"
    assert without.stdout.strip() == "[\"'self'\"]"
