"""Text messages through Tencent Cloud SMS (messaging/transports/sms.py), sent by the outbox
with the provider's real SDK to the stand-in server (tests/standins/tencent_sms.py), which
checks each request's signature and answers as the documented API does."""

import json
import logging
import socket
import subprocess
import sys
from datetime import datetime, time, timedelta
from urllib.request import urlopen

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from groups.models import ChildPersonalData, Role
from messaging import services
from messaging.models import Message, MessageState, Preferences
from messaging.transports import transport_for
from messaging.transports.sms import phone_normalise, short
from suggestions import services as suggestion_services
from suggestions.models import Notification
from tests.groups.factories import GuardianshipFactory
from tests.messaging.conftest import SMS_TEMPLATE_IDS
from tests.suggestions.factories import route_pending

pytestmark = pytest.mark.django_db

PHONE = "+8613800138000"
REAL_NAME = "王小明"


def guardian_on_sms(pipe, *, language="zh-hans", phone="138 0013 8000"):
    guardian = GuardianshipFactory(child=pipe.child).guardian.user
    Preferences.objects.create(
        user=guardian, language=language, phone=phone, channels={"news": ["sms"]}
    )
    return guardian


def queued_for(pipe, user, *, topic="news"):
    """An SMS in the outbox telling `user` of the child's suggestion."""
    notice = Notification.objects.create(recipient=user, suggestion=pipe.draft(), kind="answered")
    return services.message_queue(
        recipient=user,
        template="suggestions.notification",
        context={"notification": notice.pk},
        channel="sms",
        topic=topic,
    )


def local(day, hour, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def daytime():
    """Tomorrow 10:00 in Hangzhou: no quiet hours, and after any message queued now."""
    return local(timezone.localdate() + timedelta(days=1), 10)


def state_of(message):
    message.refresh_from_db()
    return message.state, message.attempts, message.last_error


# --- Through the pipeline ------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_guardian_who_chose_sms_gets_one_in_their_language_when_the_suggestion_is_answered(
    pipe, sms_standin, settings, language, django_capture_on_commit_callbacks
):
    settings.MESSAGES_QUIET_HOURS = (0, 0)  # the night is another test's
    ChildPersonalData.objects.create(child=pipe.child, real_name=REAL_NAME)
    guardian = guardian_on_sms(pipe, language=language)
    suggestion = pipe.draft(title="学校门口的斑马线太窄了，过马路的时候很挤")
    suggestion_services.suggestion_transition(
        suggestion=suggestion, action="submit", user=pipe.child_user
    )
    route_pending()

    with django_capture_on_commit_callbacks(execute=True):
        suggestion_services.suggestion_transition(
            suggestion=suggestion,
            action="decline",
            user=pipe.school_staff,
            note="这条路归省里管，我们会转告。",
        )

    message = Message.objects.get(recipient=guardian, channel="sms")
    (sms,) = sms_standin.sent
    assert (message.state, message.provider_id) == (MessageState.SENT, sms.serial_no)
    assert sms.number == PHONE
    assert sms.template_id == SMS_TEMPLATE_IDS[language]
    assert sms.session_context == f"message-{message.pk}"
    child, title, news = sms.params
    assert child == "小白鹭"
    assert title.startswith("学校门口的斑马线") and len(title) <= 12
    with translation.override(language):
        assert news == short(translation.gettext("has an answer"), 12)
    text = "".join(sms.params)
    assert REAL_NAME not in text
    for words in (suggestion.noticed, suggestion.proposal, "这条路归省里管"):
        assert words[:6] not in text, "nothing the child or the school wrote"


# --- The provider's answers ----------------------------------------------------------------


@pytest.mark.parametrize(
    "code", ["InvalidParameterValue.IncorrectPhoneNumber", "FailedOperation.PhoneNumberInBlacklist"]
)
def test_a_number_the_provider_refuses_is_given_up_at_once_with_its_code(
    pipe, sms_standin, daytime, code
):
    message = queued_for(pipe, guardian_on_sms(pipe))
    sms_standin.reject(PHONE, code)

    assert services.message_send(message_id=message.pk, now=daytime) == "given_up"

    assert state_of(message) == (MessageState.GIVEN_UP, 1, code)
    assert "number" in message.reason, "the provider's words, for the office"
    assert not any(char.isdigit() for char in message.reason), "never the number itself"
    assert sms_standin.sent == []


@pytest.mark.parametrize("code", ["RequestLimitExceeded", "LimitExceeded.PhoneNumberDailyLimit"])
def test_a_throttled_sms_is_tried_again_later_and_then_sent(pipe, sms_standin, daytime, code):
    message = queued_for(pipe, guardian_on_sms(pipe))
    if code.startswith("LimitExceeded."):
        sms_standin.reject(PHONE, code)  # Tencent says it in the number's status
    else:
        sms_standin.throttle(times=1, code=code)

    assert services.message_send(message_id=message.pk, now=daytime) == "retry"
    assert state_of(message) == (MessageState.FAILED, 1, code)
    assert services.message_send(message_id=message.pk, now=daytime) == "not_pending"

    sms_standin.behaviour.reject.clear()
    assert services.message_send(message_id=message.pk, now=message.send_after) == "sent"
    assert state_of(message) == (MessageState.SENT, 2, code)
    assert sms_standin.count == 1


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        ("FailedOperation.TemplateIncorrectOrUnapproved", "given_up"),
        ("FailedOperation.SignatureIncorrectOrUnapproved", "given_up"),
        ("LimitExceeded.AppCountryOrRegionInBlacklist", "given_up"),
        ("UnauthorizedOperation.SmsSdkAppIdVerifyFail", "given_up"),
        ("FailedOperation.InsufficientBalanceInSmsPackage", "retry"),
        ("InternalError.SendAndRecvFail", "retry"),
        ("RequestLimitExceeded.UinLimitExceeded", "retry"),
    ],
)
def test_what_the_provider_answers_decides_between_giving_up_and_trying_again(
    pipe, sms_standin, daytime, code, outcome
):
    message = queued_for(pipe, guardian_on_sms(pipe))
    sms_standin.fail(times=1, code=code)

    assert services.message_send(message_id=message.pk, now=daytime) == outcome
    assert state_of(message)[2] == code


def test_an_internal_error_twice_is_tried_again_until_the_sms_goes(pipe, sms_standin, daytime):
    message = queued_for(pipe, guardian_on_sms(pipe))
    sms_standin.fail(times=2, code="InternalError.Timeout")

    outcomes, now = [], daytime
    for _ in range(3):
        outcomes.append(services.message_send(message_id=message.pk, now=now))
        message.refresh_from_db()
        now = message.send_after
    assert outcomes == ["retry", "retry", "sent"]
    assert sms_standin.count == 1


def test_a_provider_that_cannot_be_reached_is_tried_again(pipe, sms_standin, settings, daytime):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.SMS_ENDPOINT = f"127.0.0.1:{port}"
    transport_for.cache_clear()
    message = queued_for(pipe, guardian_on_sms(pipe))

    assert services.message_send(message_id=message.pk, now=daytime) == "retry"
    assert state_of(message) == (MessageState.FAILED, 1, "ClientNetworkError")


def test_an_sms_whose_answer_never_came_is_given_up_in_doubt_not_sent_twice(
    pipe, sms_standin, settings, daytime
):
    """The stand-in took the SMS and answered too late: it may well have arrived, and Tencent
    does not drop a second copy, so it is given up for the office, never sent again."""
    settings.SMS_TIMEOUT = 1
    transport_for.cache_clear()
    sms_standin.hang(5)
    message = queued_for(pipe, guardian_on_sms(pipe))

    assert services.message_send(message_id=message.pk, now=daytime) == "given_up"
    assert state_of(message) == (MessageState.GIVEN_UP, 1, services.IN_DOUBT)
    assert services.messages_resend(now=daytime + timedelta(days=1)) == 0
    assert sms_standin.count == 1


def test_a_wrong_secret_key_is_refused_by_the_signature_check(pipe, sms_standin, daytime):
    sms_standin.secret_key = "another key"
    message = queued_for(pipe, guardian_on_sms(pipe))

    assert services.message_send(message_id=message.pk, now=daytime) == "given_up"
    assert state_of(message) == (MessageState.GIVEN_UP, 1, "AuthFailure.SignatureFailure")
    assert sms_standin.sent == []


def test_a_message_without_an_sms_template_in_its_language_is_given_up(
    pipe, sms_standin, settings, daytime
):
    del settings.SMS_TEMPLATES["suggestions.notification"]["en"]
    message = queued_for(pipe, guardian_on_sms(pipe, language="en"))

    assert services.message_send(message_id=message.pk, now=daytime) == "given_up"
    assert state_of(message) == (MessageState.GIVEN_UP, 1, "no_sms_template")
    assert sms_standin.requests == 0


def test_a_guardian_without_a_mobile_number_is_skipped(pipe, sms_standin, daytime):
    guardian = GuardianshipFactory(child=pipe.child).guardian.user
    message = queued_for(pipe, guardian)

    assert services.message_send(message_id=message.pk, now=daytime) == "skipped"
    assert sms_standin.requests == 0


def test_no_log_carries_the_mobile_number_even_at_debug_level(pipe, sms_standin, daytime, caplog):
    caplog.set_level(logging.DEBUG)
    message = queued_for(pipe, guardian_on_sms(pipe))
    sms_standin.reject(PHONE, "FailedOperation.PhoneNumberInBlacklist")

    assert services.message_send(message_id=message.pk, now=daytime) == "given_up"
    assert caplog.records, "the outbox logs what it gave up"
    assert "13800138000" not in caplog.text


# --- Quiet hours ---------------------------------------------------------------------------


def test_a_guardians_sms_queued_at_ten_at_night_waits_until_eight_in_the_morning(pipe, sms_standin):
    night = local(timezone.localdate() + timedelta(days=1), 22)
    morning = local(night.date() + timedelta(days=1), 8)
    message = queued_for(pipe, guardian_on_sms(pipe))

    assert services.message_send(message_id=message.pk, now=night) == "later"
    message.refresh_from_db()
    assert (message.state, message.send_after) == (MessageState.QUEUED, morning)
    assert services.message_send(message_id=message.pk, now=morning - timedelta(minutes=1)) == (
        "not_pending"
    )
    assert sms_standin.requests == 0

    assert services.message_send(message_id=message.pk, now=morning) == "sent"
    assert sms_standin.count == 1


def test_staff_sms_is_not_held_at_night(pipe, sms_standin):
    staff = pipe.school_staff
    assert staff.role == Role.SCHOOL
    Preferences.objects.create(user=staff, phone=PHONE, channels={"work": ["sms"]})
    night = local(timezone.localdate() + timedelta(days=1), 22)
    message = queued_for(pipe, staff, topic="work")

    assert services.message_send(message_id=message.pk, now=night) == "sent"
    assert sms_standin.count == 1
    (sms,) = sms_standin.sent
    assert (sms.template_id, sms.params) == ("32001001", ["有了答复"]), (
        "staff's own template: the news, no child, no title"
    )


# --- Mobile numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["13800138000", "138 0013 8000", "138-0013-8000", "+86 138 0013 8000", "0086 13800138000"],
)
def test_a_mobile_number_is_accepted_as_people_type_it(typed):
    assert phone_normalise(typed) == PHONE


@pytest.mark.parametrize(
    "typed", ["", "12345", "0571 8888 8888", "+1 650 253 0000", "138 0013 800", "电话"]
)
def test_anything_but_a_mainland_mobile_number_is_refused_with_a_clear_message(typed, in_english):
    with pytest.raises(ValidationError) as refused:
        phone_normalise(typed)
    assert refused.value.messages == [
        "Please enter a mainland China mobile number, e.g. 138 0013 8000."
    ]


def test_the_refusal_of_a_number_is_in_chinese_for_a_chinese_reader():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        phone_normalise("12345")
    assert "手机号" in refused.value.messages[0]


# --- The stand-in as a process --------------------------------------------------------------


def test_the_stand_in_runs_as_a_process_and_tells_what_it_received(settings, pipe):
    from messaging.transports import Content
    from messaging.transports.sms import TencentSms
    from tests.standins.tencent_sms import SECRET_ID, SECRET_KEY

    process = subprocess.Popen(
        [sys.executable, "-m", "tests.standins.tencent_sms"],
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = int(process.stdout.readline())
        settings.SMS_SECRET_ID, settings.SMS_SECRET_KEY = SECRET_ID, SECRET_KEY
        settings.SMS_ENDPOINT, settings.SMS_SCHEME = f"127.0.0.1:{port}", "http"
        settings.SMS_SDK_APP_ID = "1400000001"
        settings.SMS_TEMPLATES = {"t": {"en": {"id": "7", "fields": ["child"]}}}
        message = Message(pk=1, template="t", language="en")
        content = Content(subject="", body="", fields={"child": "小白鹭"})

        serial = TencentSms().send(message=message, content=content, address=PHONE)

        with urlopen(f"http://127.0.0.1:{port}/_standin/sent", timeout=5) as answer:
            received = json.load(answer)
        assert received["count"] == 1
        assert received["sent"][0]["serial_no"] == serial
        assert received["sent"][0]["params"] == ["小白鹭"]
    finally:
        process.terminate()
        process.wait(timeout=5)
