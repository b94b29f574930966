"""Digests (issue 20, item 4): staff hear of what arrived and what is overdue in one e-mail a
morning instead of one per event; guardians who chose it hear of their children's week on
Monday mornings. Each is queued once per person and period, however often its task runs."""

import re
import threading
import time
from datetime import datetime, timedelta

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from groups.models import ChildPersonalData, Role
from messaging.models import Channel, Message, Preferences, Topic
from messaging.services import message_send
from messaging.transports import first_words
from suggestions import selectors, services, tasks
from suggestions.models import Notification, NotificationKind
from suggestions.workflow import State
from tests.groups.factories import ChildFactory, GuardianshipFactory, UserFactory
from tests.suggestions.factories import SuggestionFactory

pytestmark = pytest.mark.django_db

PORTAL = "https://portal.example.org"
# Tuesday 8 December 2026, 08:00 in Hangzhou: the staff's digest of that morning.
MORNING = timezone.make_aware(datetime(2026, 12, 8, 8, 0))
# Monday 7 December 2026, 09:00: the families' digest of that week.
MONDAY = timezone.make_aware(datetime(2026, 12, 7, 9, 0))


@pytest.fixture(autouse=True)
def _portal(settings, pipe):
    settings.PORTAL_BASE_URL = PORTAL
    settings.MESSAGES_STAFF_DIGEST = True
    pipe.community_staff.email = "community@example.org"
    pipe.community_staff.save()


def on_desk(organisation, *, arrived, overdue=False, **kwargs):
    return SuggestionFactory(
        state=State.AT_SCHOOL,
        owner=organisation,
        stage_started_at=arrived,
        due_at=arrived + timedelta(days=7),
        overdue_since=arrived + timedelta(days=7) if overdue else None,
        **kwargs,
    )


def send(now, queue=services.staff_digests_queue, capture=None):
    with capture(execute=True):
        return queue(now=now)


def digests_to(user):
    return [email for email in mail.outbox if email.to == [user.email]]


def test_a_school_gets_one_morning_e_mail_of_what_arrived_since_yesterday_and_what_is_overdue(
    pipe, django_capture_on_commit_callbacks
):
    Preferences.objects.create(user=pipe.school_staff, language="en")
    new = [
        on_desk(pipe.school, arrived=MORNING - timedelta(hours=hours), title=f"新的建议{hours}号")
        for hours in (1, 23)
    ]
    old = on_desk(pipe.school, arrived=MORNING - timedelta(days=3), title="前几天的建议")
    late = on_desk(pipe.school, arrived=MORNING - timedelta(days=9), overdue=True, title="超期的")
    elsewhere = on_desk(pipe.community, arrived=MORNING - timedelta(hours=2), title="社区的建议")
    after = on_desk(pipe.school, arrived=MORNING + timedelta(minutes=1), title="八点以后的")

    assert send(MORNING + timedelta(minutes=5), capture=django_capture_on_commit_callbacks) == 2, (
        "the school's staff member and the community's; the office has no e-mail address"
    )
    (theirs,) = digests_to(pipe.community_staff)
    assert first_words(elsewhere.title) in theirs.body

    (email,) = digests_to(pipe.school_staff)
    assert email.subject == (
        "Your daily digest: 2 new suggestions in your inbox, 1 suggestion is overdue"
    )
    for suggestion in [*new, late]:
        assert f"“{first_words(suggestion.title)}” {PORTAL}/en/suggestions/{suggestion.pk}/" in (
            email.body
        )
    for suggestion in (old, elsewhere, after):
        assert first_words(suggestion.title) not in email.body
    assert email.body.index("2 new suggestions") < email.body.index("1 suggestion is overdue")
    message = Message.objects.get(recipient=pipe.school_staff)
    assert (message.topic, message.channel, message.context) == (
        Topic.DIGEST,
        Channel.EMAIL,
        {"day": "2026-12-08"},
    )


def test_nobody_with_nothing_to_read_gets_a_digest(pipe, django_capture_on_commit_callbacks):
    on_desk(pipe.school, arrived=MORNING - timedelta(days=3))

    assert send(MORNING, capture=django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []
    assert not Message.objects.exists()


def test_a_second_run_the_same_day_queues_nothing_and_the_next_morning_is_a_new_digest(
    pipe, django_capture_on_commit_callbacks
):
    on_desk(pipe.school, arrived=MORNING - timedelta(hours=3))
    capture = django_capture_on_commit_callbacks

    assert send(MORNING, capture=capture) == 1
    assert send(MORNING + timedelta(hours=3), capture=capture) == 0, "a task run again"
    assert send(MORNING + timedelta(hours=23, minutes=59), capture=capture) == 0, "still today"
    assert len(mail.outbox) == 1

    on_desk(pipe.school, arrived=MORNING + timedelta(hours=5))
    assert send(MORNING + timedelta(days=1), capture=capture) == 1
    assert list(
        Message.objects.filter(recipient=pipe.school_staff)
        .order_by("pk")
        .values_list("context", flat=True)
    ) == [{"day": "2026-12-08"}, {"day": "2026-12-09"}]


def test_a_run_before_eight_is_yesterday_mornings_digest(pipe, django_capture_on_commit_callbacks):
    on_desk(pipe.school, arrived=MORNING - timedelta(hours=30))

    assert send(MORNING - timedelta(hours=1), capture=django_capture_on_commit_callbacks) == 1
    assert Message.objects.get().context == {"day": "2026-12-07"}


def test_the_office_hears_what_found_no_owner_and_what_is_overdue_in_the_city(
    pipe, django_capture_on_commit_callbacks
):
    pipe.admin.email = "office@example.org"
    pipe.admin.save()
    Preferences.objects.create(user=pipe.admin, language="en")
    unrouted = SuggestionFactory(state=State.FORWARDED, needs_admin=True, title="没人管的建议")
    late = on_desk(pipe.community, arrived=MORNING - timedelta(days=9), overdue=True)

    assert send(MORNING, capture=django_capture_on_commit_callbacks) == 2

    (email,) = digests_to(pipe.admin)
    assert email.subject == (
        "Your daily digest: 1 suggestion needs an owner, 1 suggestion is overdue"
    )
    for suggestion in (unrouted, late):
        assert f"{PORTAL}/en/suggestions/{suggestion.pk}/" in email.body
    assert len(digests_to(pipe.community_staff)) == 1, "its own desk's overdue suggestion"
    assert digests_to(pipe.school_staff) == []


def test_staff_who_turned_the_digest_off_get_none_and_nobody_does_by_default_without_it(
    pipe, django_capture_on_commit_callbacks, settings
):
    on_desk(pipe.school, arrived=MORNING - timedelta(hours=3))
    Preferences.objects.create(user=pipe.school_staff, channels={Topic.DIGEST: []})
    assert send(MORNING, capture=django_capture_on_commit_callbacks) == 0

    Preferences.objects.filter(user=pipe.school_staff).update(channels={})
    with override_settings(MESSAGES_STAFF_DIGEST=False):
        assert send(MORNING, capture=django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []


def test_a_long_digest_lists_ten_and_links_to_the_inbox_for_the_rest(
    pipe, django_capture_on_commit_callbacks
):
    Preferences.objects.create(user=pipe.school_staff, language="en")
    for n in range(12):
        on_desk(pipe.school, arrived=MORNING - timedelta(hours=1, minutes=n))

    send(MORNING, capture=django_capture_on_commit_callbacks)

    (email,) = mail.outbox
    assert email.subject == "Your daily digest: 12 new suggestions in your inbox"
    assert len(re.findall(r"^- “", email.body, re.M)) == selectors.DIGEST_ITEMS == 10
    assert f"… and 2 more: {PORTAL}/en/inbox/" in email.body


def test_a_digest_is_written_in_its_readers_language(pipe, django_capture_on_commit_callbacks):
    on_desk(pipe.school, arrived=MORNING - timedelta(hours=1))

    send(MORNING, capture=django_capture_on_commit_callbacks)

    (email,) = mail.outbox
    assert Message.objects.get().language == settings.LANGUAGE_CODE == "zh-hans"
    assert email.subject == "每日摘要：收件箱里有 1 条新建议"
    assert f"{PORTAL}/suggestions/" in email.body
    assert "/en/" not in email.body


def test_a_digest_with_nothing_left_to_say_when_sent_is_skipped(
    pipe, django_capture_on_commit_callbacks
):
    suggestion = on_desk(pipe.school, arrived=MORNING - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=False):
        services.staff_digests_queue(now=MORNING)
    suggestion.state = State.COLLECTED
    suggestion.save()

    assert message_send(message_id=Message.objects.get().pk) == "skipped"
    assert mail.outbox == []


def test_the_staff_digest_reads_two_queries_whatever_its_length(pipe, django_assert_num_queries):
    for n in range(3):
        on_desk(pipe.school, arrived=MORNING - timedelta(hours=n + 1), overdue=n == 0)
    since, until = selectors.digest_period(MORNING.date(), selectors.STAFF_DIGEST_AT, days=1)

    with django_assert_num_queries(2):
        parts = selectors.staff_digest(organisation_id=pipe.school.pk, since=since, until=until)
    assert [(part.kind, part.total) for part in parts] == [("arrived", 3), ("overdue", 1)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_queue_each_digest_once(pipe):
    """The second run waits for the first's lock on the recipients' rows, then finds its
    messages: without the lock both would look before either commits."""
    on_desk(pipe.school, arrived=MORNING - timedelta(hours=1))
    second = []

    def second_run():
        try:
            second.append(services.staff_digests_queue(now=MORNING))
        finally:
            connection.close()

    def someone_waits_for_a_lock():
        with connection.cursor() as cursor:
            # Asked inside a transaction: the statistics' snapshot is taken afresh each time.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            return cursor.fetchone()[0] > 0

    with transaction.atomic():
        first = services.staff_digests_queue(now=MORNING)  # its locks last until this commits
        thread = threading.Thread(target=second_run)
        thread.start()
        deadline = time.monotonic() + 10
        while not someone_waits_for_a_lock() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert someone_waits_for_a_lock(), "the second run waits for the first"
    thread.join(10)

    assert (first, second) == (1, [0])
    assert Message.objects.filter(template="suggestions.staff_digest").count() == 1


# --- The families' weekly digest ------------------------------------------------------------


@pytest.fixture
def family(pipe):
    """The child's guardian, who chose the weekly digest by e-mail and reads English; another
    guardian who chose nothing (the digest is off by default)."""
    ChildPersonalData.objects.create(child=pipe.child, real_name="李小红")
    chose = UserFactory(role=Role.GUARDIAN, email="mother@example.org")
    GuardianshipFactory(guardian__user=chose, child=pipe.child)
    Preferences.objects.create(user=chose, language="en", channels={Topic.DIGEST: ["email"]})
    default = UserFactory(role=Role.GUARDIAN, email="father@example.org")
    GuardianshipFactory(guardian__user=default, child=pipe.child)
    return chose, default


def news(users, suggestion, kind, at):
    notices = [
        Notification.objects.create(recipient=u, suggestion=suggestion, kind=kind) for u in users
    ]
    Notification.objects.filter(pk__in=[n.pk for n in notices]).update(created_at=at)


def test_a_guardian_who_chose_it_hears_of_the_week_on_monday_without_a_name_or_the_text(
    pipe, family, django_capture_on_commit_callbacks
):
    mother, _father = family
    sister = ChildFactory(pseudonym="小翠鸟")
    GuardianshipFactory(guardian=mother.guardian, child=sister)
    answered = pipe.draft(title="学校门口的斑马线太旧了看不清楚")
    moved = SuggestionFactory(child=sister, title="公园里的秋千坏了")
    last_week = pipe.draft(title="上个星期的建议")
    news(family, answered, NotificationKind.MOVED, MONDAY - timedelta(days=5))
    news(family, answered, NotificationKind.ANSWERED, MONDAY - timedelta(days=1))
    news(family, moved, NotificationKind.MOVED, MONDAY - timedelta(hours=2))
    news(family, last_week, NotificationKind.ANSWERED, MONDAY - timedelta(days=8))

    assert (
        send(
            MONDAY + timedelta(minutes=1),
            queue=services.family_digests_queue,
            capture=django_capture_on_commit_callbacks,
        )
        == 1
    ), "the father chose nothing"

    (email,) = mail.outbox
    assert email.to == ["mother@example.org"]
    assert email.subject == "This week's news: 2 suggestions"
    first, second = (line for line in email.body.splitlines() if line.startswith("- "))
    assert first == f"- 小白鹭: “{first_words(answered.title)}” — moved on, has an answer"
    assert second == f"- 小翠鸟: “{first_words(moved.title)}” — moved on"
    assert f"{PORTAL}/en/suggestions/{answered.pk}/" in email.body
    assert first_words(last_week.title) not in email.body
    for secret in ("李小红", answered.title, answered.noticed, answered.proposal):
        assert secret not in email.subject + email.body
    assert Message.objects.get().context == {"week": "2026-12-07"}
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_family_digest_is_queued_once_a_week_and_not_without_news(
    pipe, family, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    queue = services.family_digests_queue
    assert send(MONDAY, queue=queue, capture=capture) == 0, "no news this week"

    news(family, pipe.draft(), NotificationKind.ANSWERED, MONDAY - timedelta(days=2))
    assert send(MONDAY + timedelta(hours=1), queue=queue, capture=capture) == 1
    assert send(MONDAY + timedelta(days=3), queue=queue, capture=capture) == 0, "same week"
    assert send(MONDAY - timedelta(hours=1), queue=queue, capture=capture) == 0, "week before"
    assert len(mail.outbox) == 1


def test_the_digests_are_scheduled_and_their_tasks_queue_them(pipe, in_english):
    schedule = settings.CELERY_BEAT_SCHEDULE
    staff = schedule["send-staff-digests"]
    family = schedule["send-family-digests"]
    assert staff["task"] == "suggestions.tasks.send_staff_digests"
    assert staff["schedule"] == crontab(hour=8, minute=0)
    assert family["task"] == "suggestions.tasks.send_family_digests"
    assert family["schedule"] == crontab(hour=9, minute=0, day_of_week=1)
    assert settings.CELERY_TIMEZONE == settings.TIME_ZONE == "Asia/Shanghai"

    on_desk(pipe.school, arrived=timezone.now() - timedelta(days=9), overdue=True)
    assert tasks.send_staff_digests.delay().get() == 1, "the office has no e-mail address"
    assert tasks.send_family_digests.delay().get() == 0
