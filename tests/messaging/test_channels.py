"""The outbox's channels (issue 20): a message is claimed before its provider is asked, a
message a stopped worker left in doubt is never sent twice by SMS or WeChat, families get no
SMS or WeChat at night, each person's choices and language decide what is written, and every
e-mail can be stopped in one click."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from groups.models import Role
from messaging import services
from messaging.models import Channel, ChildReach, Message, MessageState, Preferences, Topic
from messaging.preferences import reach_of, unsubscribe_token
from messaging.transports import Content, Transport, TryLater, Undeliverable, reason
from messaging.transports import transport_for as transport_for_channel
from suggestions.models import Notification
from tests.groups.factories import GuardianshipFactory
from tests.helpers import url

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
SENT = []  # what the test transport handed to its "provider"


class RecordingSms(Transport):
    """A transport of our own for the outbox's rules (the real SMS transport is tested against
    its provider's stand-in in test_sms.py): it records what it sends, and the state the
    message had in the database while it was being sent."""

    channel = "sms"
    quiet_for_families = True
    resend_in_doubt = False
    outcome: Exception | None = None

    def address(self, user):
        preferences = Preferences.objects.filter(user=user).first()
        return preferences.phone if preferences else ""

    def send(self, *, message, content, address):
        if RecordingSms.outcome is not None:
            raise RecordingSms.outcome
        state = Message.objects.values_list("state", flat=True).get(pk=message.pk)
        SENT.append((message.pk, address, content.fields, state))
        return f"serial-{message.pk}"


@pytest.fixture
def sms(settings):
    settings.MESSAGE_TRANSPORTS = {
        **settings.MESSAGE_TRANSPORTS,
        "sms": f"{__name__}.RecordingSms",
    }
    transport_for_channel.cache_clear()
    SENT.clear()
    RecordingSms.outcome = None
    yield
    transport_for_channel.cache_clear()


@pytest.fixture
def guardian(pipe):
    user = GuardianshipFactory(child=pipe.child).guardian.user
    user.email = "parent@example.org"
    user.save(update_fields=["email"])
    return user


def answered(pipe, django_capture_on_commit_callbacks):
    """The child's suggestion gets its answer: every family notice is written."""
    from suggestions import services as suggestion_services

    suggestion = pipe.draft(title="学校门口的斑马线太淡了看不清楚")
    notices = []
    with django_capture_on_commit_callbacks(execute=True):
        suggestion_services._notify(
            suggestion_services._child_and_guardians(suggestion), suggestion, "answered"
        )
    notices = Notification.objects.filter(suggestion=suggestion)
    return suggestion, notices


def sms_to(guardian, pipe):
    """An SMS about a notice of the guardian's child's answered suggestion, queued."""
    notice = Notification.objects.create(
        recipient=guardian, suggestion=pipe.draft(title="斑马线"), kind="answered"
    )
    return services.message_queue(
        recipient=guardian,
        template="suggestions.notification",
        context={"notification": notice.pk},
        channel="sms",
    )


def at(hour, minute=0, day=9):
    """A time in Hangzhou on a day after the messages were queued (they are due from then)."""
    return datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


def test_a_guardian_who_chose_sms_gets_it_in_their_language_with_no_more_than_a_pseudonym(
    pipe, guardian, sms, django_capture_on_commit_callbacks
):
    Preferences.objects.create(
        user=guardian, language="en", phone="+8613800000000", channels={"news": ["sms"]}
    )
    answered(pipe, django_capture_on_commit_callbacks)

    message = Message.objects.get(recipient=guardian, channel=Channel.SMS)
    if message.state != MessageState.SENT:  # sent after the commit, unless it was night
        assert services.message_send(message_id=message.pk, now=at(10)) == "sent"
    (pk, address, fields, state_while_sending) = SENT[-1]
    assert (pk, address, state_while_sending) == (message.pk, "+8613800000000", "sending")
    assert fields == {
        "child": "小白鹭",
        "title": "学校门口的斑马线太淡了看…",
        "news": "has an answer",
    }
    message.refresh_from_db()
    assert (message.language, message.provider_id, message.topic) == (
        "en",
        f"serial-{message.pk}",
        "news",
    )
    assert not Message.objects.filter(recipient=guardian, channel=Channel.EMAIL).exists(), (
        "the guardian chose SMS only for news"
    )
    assert Message.objects.filter(recipient=guardian, channel=Channel.INBOX).exists()


def test_no_sms_reaches_a_family_at_night_it_waits_for_the_morning(pipe, guardian, sms):
    Preferences.objects.create(user=guardian, phone="+8613800000000")
    message = sms_to(guardian, pipe)

    assert services.message_send(message_id=message.pk, now=at(22, 30)) == "later"
    message.refresh_from_db()
    assert message.send_after == at(8, day=10)
    assert message.attempts == 0 and SENT == []
    assert services.message_send(message_id=message.pk, now=at(7, 59, day=10)) == "not_pending"
    assert services.message_send(message_id=message.pk, now=at(6, 0)) == "not_pending"


def test_early_in_the_morning_it_waits_until_eight_the_same_day(pipe, guardian, sms):
    Preferences.objects.create(user=guardian, phone="+8613800000000")
    message = sms_to(guardian, pipe)
    assert services.message_send(message_id=message.pk, now=at(6, 15)) == "later"
    message.refresh_from_db()
    assert message.send_after == at(8)


def test_staff_sms_is_not_held_at_night(pipe, sms, django_capture_on_commit_callbacks):
    Preferences.objects.create(user=pipe.school_staff, phone="+8613900000000")
    notice = Notification.objects.create(
        recipient=pipe.school_staff, suggestion=pipe.draft(), kind="overdue"
    )
    message = services.message_queue(
        recipient=pipe.school_staff,
        template="suggestions.notification",
        context={"notification": notice.pk},
        channel="sms",
    )
    Message.objects.filter(pk=message.pk).update(send_after=at(22, 30))
    assert services.message_send(message_id=message.pk, now=at(22, 30)) == "sent"


def test_a_refused_number_is_given_up_at_once_with_the_providers_reason_without_the_number(
    pipe, guardian, sms
):
    Preferences.objects.create(user=guardian, phone="+8613800000000")
    message = sms_to(guardian, pipe)
    RecordingSms.outcome = Undeliverable(
        "InvalidParameterValue.IncorrectPhoneNumber", "手机号 +86 138 0000 0000 格式错误"
    )
    assert services.message_send(message_id=message.pk, now=at(10)) == "given_up"
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_error) == (
        MessageState.GIVEN_UP,
        1,
        "InvalidParameterValue.IncorrectPhoneNumber",
    )
    assert message.reason == "手机号 … 格式错误"


def test_a_throttled_message_is_tried_again_later_and_then_sent_once(pipe, guardian, sms):
    Preferences.objects.create(user=guardian, phone="+8613800000000")
    message = sms_to(guardian, pipe)
    RecordingSms.outcome = TryLater("LimitExceeded.PhoneNumberDailyLimit", "daily limit")
    assert services.message_send(message_id=message.pk, now=at(10)) == "retry"
    message.refresh_from_db()
    assert (message.state, message.last_error) == (
        MessageState.FAILED,
        "LimitExceeded.PhoneNumberDailyLimit",
    )
    assert services.message_send(message_id=message.pk, now=at(10, 1)) == "not_pending"

    RecordingSms.outcome = None
    assert services.messages_resend(now=at(11)) == 1
    assert services.messages_resend(now=at(12)) == 0
    assert [pk for pk, *_ in SENT] == [message.pk]


def test_a_message_left_in_doubt_by_a_stopped_worker_is_never_sent_twice_by_sms(
    pipe, guardian, sms, settings
):
    """A worker killed while the provider was asked leaves the row "sending": the provider may
    have taken it. SMS is given up for the office, who may send it again by hand."""
    Preferences.objects.create(user=guardian, phone="+8613800000000")
    message = sms_to(guardian, pipe)
    Message.objects.filter(pk=message.pk).update(
        state=MessageState.SENDING, claimed_at=at(10), attempts=1
    )

    assert services.messages_resend(now=at(10, 5)) == 0, "not before MESSAGES_IN_DOUBT_AFTER"
    assert Message.objects.get(pk=message.pk).state == MessageState.SENDING
    later = at(10) + timedelta(seconds=settings.MESSAGES_IN_DOUBT_AFTER + 1)
    assert services.messages_resend(now=later) == 0
    message.refresh_from_db()
    assert (message.state, message.last_error) == (MessageState.GIVEN_UP, services.IN_DOUBT)
    assert SENT == []

    assert services.messages_send_again(ids=[message.pk]) == 1
    assert services.message_send(message_id=message.pk, now=at(11)) == "sent"
    assert len(SENT) == 1


def test_an_e_mail_left_in_doubt_is_sent_again_with_the_same_message_id(pipe, settings):
    notice = Notification.objects.create(
        recipient=pipe.school_staff, suggestion=pipe.draft(), kind="new_in_inbox"
    )
    message = services.message_queue(
        recipient=pipe.school_staff,
        template="suggestions.notification",
        context={"notification": notice.pk},
    )
    claimed = timezone.now() - timedelta(seconds=settings.MESSAGES_IN_DOUBT_AFTER + 5)
    Message.objects.filter(pk=message.pk).update(
        state=MessageState.SENDING, claimed_at=claimed, attempts=1
    )

    assert services.messages_resend() == 1
    (email,) = mail.outbox
    assert email.extra_headers["Message-ID"] == f"<message-{message.pk}@127.0.0.1>"
    assert Message.objects.get(pk=message.pk).state == MessageState.SENT


def test_two_tasks_for_one_message_send_it_once(pipe, guardian, sms):
    Preferences.objects.create(user=guardian, phone="+8613800000000")
    message = sms_to(guardian, pipe)
    outcomes = [services.message_send(message_id=message.pk, now=at(10)) for _ in range(3)]
    assert outcomes == ["sent", "not_pending", "not_pending"]
    assert len(SENT) == 1


def test_a_channel_not_set_up_here_is_never_chosen(pipe, guardian, settings):
    Preferences.objects.create(
        user=guardian, phone="+8613800000000", channels={"news": ["sms", "email"]}
    )
    settings.MESSAGE_TRANSPORTS = {**settings.MESSAGE_TRANSPORTS, "sms": ""}
    transport_for_channel.cache_clear()
    assert reach_of([guardian], Topic.NEWS)[guardian.pk].channels == ["inbox", "email"]


def test_each_role_has_its_defaults_until_the_person_chooses(pipe, guardian, settings):
    settings.MESSAGES_STAFF_DIGEST = True
    staff, admin = pipe.school_staff, pipe.admin
    assert reach_of([guardian], Topic.NEWS)[guardian.pk].channels == ["inbox", "email"], (
        "WeChat only once linked"
    )
    assert reach_of([staff], Topic.WORK)[staff.pk].channels == ["inbox"], "in the daily digest"
    assert reach_of([staff], Topic.DIGEST)[staff.pk].channels == ["email"]
    admin.email = ""
    assert reach_of([admin], Topic.DIGEST)[admin.pk].channels == [], "no address, no row"
    settings.MESSAGES_STAFF_DIGEST = False
    assert reach_of([staff], Topic.WORK)[staff.pk].channels == ["inbox", "email"]


def test_a_guardian_decides_whether_and_where_the_child_is_told(
    pipe, guardian, django_capture_on_commit_callbacks
):
    ChildReach.objects.create(child=pipe.child, channels=[], set_by=guardian)
    _, notices = answered(pipe, django_capture_on_commit_callbacks)
    assert set(notices.values_list("recipient__role", flat=True)) == {Role.GUARDIAN}

    pipe.child_user.email = "xiaobailu@example.org"
    pipe.child_user.save(update_fields=["email"])
    ChildReach.objects.filter(child=pipe.child).update(channels=["inbox", "email"])
    assert reach_of([pipe.child_user], Topic.NEWS)[pipe.child_user.pk].channels == [
        "inbox",
        "email",
    ]
    assert reach_of([pipe.child_user], Topic.WORK)[pipe.child_user.pk].channels == []


def test_a_family_message_carries_the_pseudonym_and_the_titles_first_words_only(
    pipe, guardian, django_capture_on_commit_callbacks
):
    from groups.models import ChildPersonalData

    ChildPersonalData.objects.create(child=pipe.child, real_name="王小明")
    suggestion, _ = answered(pipe, django_capture_on_commit_callbacks)
    (email,) = [e for e in mail.outbox if e.to == ["parent@example.org"]]
    assert suggestion.noticed and suggestion.noticed not in email.body

    assert "小白鹭" in email.subject and "学校门口的斑马线太淡了看…" in email.body
    assert "王小明" not in email.subject + email.body
    assert "斑马线太淡了看不清楚" not in email.body, "only the title's first words"
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_one_click_unsubscribes_a_topic_and_a_get_only_asks(pipe, guardian):
    link = url("message_unsubscribe", token=unsubscribe_token(guardian, Topic.NEWS))
    client = Client(enforce_csrf_checks=True)

    assert client.get(link).status_code == 200
    assert not Preferences.objects.filter(user=guardian).exists(), "a GET writes nothing"

    response = client.post(link, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert reach_of([guardian], Topic.NEWS)[guardian.pk].channels == ["inbox"]
    assert reach_of([guardian], Topic.DIGEST)[guardian.pk].channels == [], "other topics kept"


def test_a_forged_unsubscribe_link_is_refused_and_writes_nothing(pipe, guardian):
    token = unsubscribe_token(guardian, Topic.NEWS)
    forged = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
    response = Client(enforce_csrf_checks=True).post(url("message_unsubscribe", token=forged))
    assert response.status_code == 404
    assert not Preferences.objects.exists()


def test_the_providers_reason_loses_numbers_and_addresses():
    assert reason("rejected 13800138000 for a@b.cn") == "rejected … for …"
    assert len(reason("x" * 500)) == 200


def test_a_content_tuple_from_an_older_template_still_sends(pipe):
    from messaging.services import TEMPLATES

    TEMPLATES["tests.tuple"] = lambda message: ("Subject", "Body")
    try:
        message = services.message_queue(
            recipient=pipe.school_staff, template="tests.tuple", context={}
        )
        assert services.message_send(message_id=message.pk) == "sent"
    finally:
        del TEMPLATES["tests.tuple"]
    assert (mail.outbox[0].subject, mail.outbox[0].body) == ("Subject", "Body")
    assert isinstance(Content(subject="a", body="b").fields, dict)


def test_one_message_whose_transport_cannot_be_made_never_stops_the_sweeper(pipe, settings):
    """A wrong path in MESSAGE_TRANSPORTS gives its messages up; the ones after them go."""
    guardian = GuardianshipFactory(child=pipe.child).guardian.user
    Preferences.objects.create(user=guardian, phone="+8613800000000")
    broken = sms_to(guardian, pipe)
    settings.MESSAGE_TRANSPORTS = {**settings.MESSAGE_TRANSPORTS, "sms": "nowhere.Transport"}
    transport_for_channel.cache_clear()
    notice = Notification.objects.create(
        recipient=pipe.school_staff, suggestion=pipe.draft(), kind="new_in_inbox"
    )
    fine = services.message_queue(
        recipient=pipe.school_staff,
        template="suggestions.notification",
        context={"notification": notice.pk},
    )
    try:
        assert services.messages_resend(now=timezone.now() + timedelta(minutes=10)) == 1
    finally:
        transport_for_channel.cache_clear()
    broken.refresh_from_db()
    assert (broken.state, broken.last_error) == (MessageState.GIVEN_UP, services.NO_TRANSPORT)
    assert Message.objects.get(pk=fine.pk).state == MessageState.SENT


def test_a_childs_one_click_unsubscribe_takes_e_mail_off_what_the_guardian_allowed(pipe):
    ChildReach.objects.create(child=pipe.child, channels=["inbox", "email"])
    pipe.child_user.email = "xiaobailu@example.org"
    pipe.child_user.save(update_fields=["email"])
    link = url("message_unsubscribe", token=unsubscribe_token(pipe.child_user, Topic.NEWS))

    assert Client(enforce_csrf_checks=True).post(link).status_code == 200
    assert ChildReach.objects.get(child=pipe.child).channels == ["inbox"]
    assert reach_of([pipe.child_user], Topic.NEWS)[pipe.child_user.pk].channels == ["inbox"]


def test_a_logins_or_consents_link_has_no_unsubscribe_and_its_topic_cannot_be_stopped(pipe):
    from messaging.services import TEMPLATES

    TEMPLATES["tests.account"] = lambda message: ("Set your password", "/link/")
    try:
        message = services.message_queue(
            recipient=pipe.school_staff, template="tests.account", context={}
        )
        assert services.message_send(message_id=message.pk) == "sent"
    finally:
        del TEMPLATES["tests.account"]
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers
    token = unsubscribe_token(pipe.school_staff, Topic.ACCOUNT)
    response = Client().post(url("message_unsubscribe", token=token))
    assert response.status_code == 404
    assert not Preferences.objects.exists()


def test_a_given_up_consent_link_is_not_sent_again_its_secret_is_gone(pipe):
    from privacy.messages import CONSENT_REQUEST

    message = services.message_queue(
        recipient=pipe.school_staff, template=CONSENT_REQUEST, context={}, secret="token"
    )
    Message.objects.filter(pk=message.pk).update(state=MessageState.GIVEN_UP, sealed_secret="")

    assert services.messages_send_again(ids=[message.pk]) == 0
    assert Message.objects.get(pk=message.pk).state == MessageState.GIVEN_UP


def test_only_who_may_change_messages_sends_them_again(pipe):
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    office = pipe.admin
    office.is_staff, office.is_superuser = True, False
    office.save(update_fields=["is_staff", "is_superuser"])
    request = RequestFactory().get("/")
    request.user = office
    model_admin = site._registry[Message]
    assert not model_admin.has_send_again_permission(request)
    office.is_superuser = True
    assert model_admin.has_send_again_permission(request)
