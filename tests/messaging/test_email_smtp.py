"""E-mail on a real SMTP server (aiosmtpd in its own process, tests/messaging/conftest.py), read
back as a mail program reads it (email.policy.default): what a guardian gets when their child's
suggestion is answered, the one-click unsubscribe it carries (RFC 8058), the staff's daily
digest (one e-mail for three suggestions), and a server that was down."""

import re
from datetime import datetime, time, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.test import Client, override_settings
from django.utils import timezone, translation

from groups.models import ChildPersonalData, Role
from messaging import services as messaging_services
from messaging.models import Channel, Message, MessageState, Preferences, Topic
from messaging.transports import first_words
from suggestions import services
from suggestions.models import FOR_A_GUARDIAN, Notification, NotificationKind, Suggestion
from suggestions.workflow import State
from tests.groups.factories import GuardianshipFactory, UserFactory
from tests.helpers import url
from tests.suggestions.factories import route_pending

pytestmark = pytest.mark.django_db

PORTAL = "https://portal.example.org"
REAL_NAME = "王晓明"
DONE = "校门口画了斑马线，设置了儿童停车区。"


@pytest.fixture(autouse=True)
def _portal(settings):
    settings.PORTAL_BASE_URL = PORTAL


@pytest.fixture
def guardians(pipe):
    """The child's two guardians, one reading English and one Chinese; the child's real name
    on record (it must never reach them by e-mail)."""
    ChildPersonalData.objects.create(child=pipe.child, real_name=REAL_NAME)
    found = {}
    for language, address in (("en", "mother@example.org"), ("zh-hans", "father@example.org")):
        user = UserFactory(role=Role.GUARDIAN, email=address)
        GuardianshipFactory(guardian__user=user, child=pipe.child)
        Preferences.objects.create(user=user, language=language)
        found[language] = user
    return found


def act(suggestion, action, user, **kwargs):
    services.suggestion_transition(suggestion=suggestion, action=action, user=user, **kwargs)
    return Suggestion.objects.get(pk=suggestion.pk)


def in_progress(pipe, **kwargs):
    """A suggestion walked to the department that builds it. Its messages stay queued: only
    what a test sends inside django_capture_on_commit_callbacks reaches the server."""
    suggestion = pipe.draft(**kwargs)
    act(suggestion, "submit", pipe.child_user)
    route_pending()
    act(Suggestion.objects.get(pk=suggestion.pk), "collect", pipe.school_staff)
    route_pending()
    act(Suggestion.objects.get(pk=suggestion.pk), "forward", pipe.community_staff)
    route_pending()
    return act(
        Suggestion.objects.get(pk=suggestion.pk),
        "accept",
        pipe.department_staff,
        planned_on=timezone.localdate(),
    )


def implement(pipe, suggestion):
    return act(
        suggestion,
        "mark_implemented",
        pipe.department_staff,
        outcome={
            "description": DONE,
            "quantity": Decimal(1),
            "unit": "个",
            "completed_on": timezone.localdate(),
        },
    )


def unsubscribe_of(mail) -> str:
    return str(mail["List-Unsubscribe"]).strip()


def unsubscribe_path(mail) -> str:
    return urlsplit(unsubscribe_of(mail).strip("<>")).path


def text_of(mail) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()


def test_the_guardians_hear_of_the_answer_on_the_smtp_server_each_in_their_language(
    pipe, guardians, smtp_server, django_capture_on_commit_callbacks
):
    suggestion = in_progress(pipe, title="学校门口的斑马线太旧了看不清楚")
    with django_capture_on_commit_callbacks(execute=True):
        implement(pipe, suggestion)

    (english,) = smtp_server.received_by("mother@example.org")
    (chinese,) = smtp_server.received_by("father@example.org")
    title = first_words(suggestion.title)
    assert title != suggestion.title, "only the title's first words"
    named, _unnamed = FOR_A_GUARDIAN[NotificationKind.ANSWERED]
    with translation.override("zh-hans"):
        chinese_subject = named % {"child": "小白鹭"}
    assert english["Subject"] == "小白鹭's suggestion has an answer"
    assert chinese["Subject"] == chinese_subject != english["Subject"]
    for mail, language in ((english, "en"), (chinese, "zh-hans")):
        path = url("suggestion_detail", language, pk=suggestion.pk)
        body = text_of(mail)
        assert title in body
        links = re.findall(r"https?://\S+", body)
        assert links and all(link.startswith(PORTAL) for link in links)
        assert f"{PORTAL}{path}" in links
    assert "/en/messages/unsubscribe/" in unsubscribe_of(english)
    assert "/en/" not in unsubscribe_of(chinese)
    assert "Open it in the portal" in text_of(english)
    assert "Open it in the portal" not in text_of(chinese)
    for mail in (english, chinese):
        raw = mail.as_bytes()
        everything = raw.decode("utf-8", "replace") + str(mail["Subject"]) + text_of(mail)
        for secret in (REAL_NAME, DONE, suggestion.noticed, suggestion.proposal, suggestion.title):
            assert secret not in everything
        # Folded (the token is long): a mail program unfolds it, as the parser does, and
        # strips the blank it leaves.
        assert re.fullmatch(r"<https://portal\.example\.org/\S+/>", unsubscribe_of(mail))
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert mail["Message-ID"].endswith("@portal.example.org>")
    assert set(
        Message.objects.filter(recipient__in=guardians.values(), channel=Channel.EMAIL)
        .values_list("state", flat=True)
        .distinct()
    ) == {MessageState.SENT}


def test_one_click_turns_off_that_topics_e_mail_without_a_cookie_or_a_csrf_token(
    pipe, guardians, smtp_server, django_capture_on_commit_callbacks
):
    mother = guardians["en"]
    with django_capture_on_commit_callbacks(execute=True):
        implement(pipe, in_progress(pipe))
    (mail,) = smtp_server.received_by("mother@example.org")
    unsubscribe = unsubscribe_path(mail)
    mail_program = Client(enforce_csrf_checks=True)

    asked = mail_program.get(unsubscribe)
    assert asked.status_code == 200
    assert b"<form" in asked.content
    assert "news" not in Preferences.objects.get(user=mother).channels, "a GET only asks"

    done = mail_program.post(
        unsubscribe,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert done.status_code == 200
    assert Channel.EMAIL not in Preferences.objects.get(user=mother).channels[Topic.NEWS]

    later = in_progress(pipe)
    with django_capture_on_commit_callbacks(execute=True):
        implement(pipe, later)
    assert not Message.objects.filter(
        recipient=mother, channel=Channel.EMAIL, created_at__gte=later.submitted_at
    ).exists(), "no e-mail queued for her"
    assert Notification.objects.filter(recipient=mother, suggestion=later, kind="answered").exists()
    assert len(smtp_server.received_by("mother@example.org")) == 1
    assert len(smtp_server.received_by("father@example.org")) == 2, "his e-mail is still on"


def test_a_forged_unsubscribe_token_is_a_404_page_and_changes_nothing(
    pipe, guardians, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        implement(pipe, in_progress(pipe))
    (mail,) = smtp_server.received_by("mother@example.org")
    path = unsubscribe_path(mail)
    token = path.rstrip("/").rsplit("/", 1)[1]
    forged = path.replace(token, token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"))
    before = list(Preferences.objects.values_list("user_id", "channels").order_by("user_id"))

    response = Client(enforce_csrf_checks=True).post(
        forged, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 404
    assert "This link does not work" in response.text
    assert list(Preferences.objects.values_list("user_id", "channels").order_by("user_id")) == (
        before
    )


def next_morning(at: time) -> datetime:
    """The first `at` (local time) after now."""
    local = timezone.localtime()
    day = local.date() + timedelta(days=1 if local.time() >= at else 0)
    return timezone.make_aware(datetime.combine(day, at))


@override_settings(MESSAGES_STAFF_DIGEST=True)
def test_the_school_hears_of_three_new_suggestions_in_one_morning_e_mail(
    pipe, smtp_server, django_capture_on_commit_callbacks
):
    Preferences.objects.create(user=pipe.school_staff, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        titles = []
        for n in range(3):
            suggestion = pipe.draft(title=f"第{n}个建议：操场旁边的路灯坏了")
            act(suggestion, "submit", pipe.child_user)
            titles.append(suggestion)
        route_pending()
    assert smtp_server.received_by("school@example.org") == [], "no e-mail per event"
    assert Suggestion.objects.filter(state=State.AT_SCHOOL).count() == 3

    with django_capture_on_commit_callbacks(execute=True):
        assert services.staff_digests_queue(now=next_morning(time(8)) + timedelta(minutes=1)) == 1

    (digest,) = smtp_server.received_by("school@example.org")
    assert digest["Subject"] == "Your daily digest: 3 new suggestions in your inbox"
    body = text_of(digest)
    for suggestion in titles:
        assert first_words(suggestion.title) in body
        assert f"{PORTAL}/en/suggestions/{suggestion.pk}/" in body
        assert suggestion.noticed not in body
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Message.objects.get(recipient=pipe.school_staff, channel=Channel.EMAIL).topic == (
        Topic.DIGEST
    )


def test_a_message_the_smtp_server_could_not_take_fails_and_is_sent_once_it_is_back(
    pipe, guardians, smtp_server, django_capture_on_commit_callbacks
):
    suggestion = in_progress(pipe)
    smtp_server.stop()
    with django_capture_on_commit_callbacks(execute=True):
        implement(pipe, suggestion)
    message = Message.objects.get(recipient=guardians["en"], channel=Channel.EMAIL)
    assert (message.state, message.attempts) == (MessageState.FAILED, 1)
    assert message.last_error == "ConnectionRefusedError"
    assert smtp_server.received() == []

    smtp_server.start()
    assert messaging_services.message_send(message_id=message.pk) == "not_pending", "not yet due"
    later = message.send_after + timedelta(seconds=1)
    assert messaging_services.message_send(message_id=message.pk, now=later) == "sent"
    assert messaging_services.message_send(message_id=message.pk, now=later) == "not_pending"

    (mail,) = smtp_server.received_by("mother@example.org")
    message.refresh_from_db()
    assert (message.state, message.provider_id) == (MessageState.SENT, mail["Message-ID"])
