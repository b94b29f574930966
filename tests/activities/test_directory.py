"""The public directory: practice bases (with the expiry warning to the office), programmes
and brands, discussion topics (the demo's figures are in test_demo.py)."""

import threading
from datetime import timedelta
from unittest.mock import patch

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from activities import services, tasks
from activities.models import PracticeBaseKind, PracticeBaseYear
from activities.services import practice_bases_warn_expiring
from groups.models import Role
from messaging import services as outbox
from messaging.models import Message, MessageState
from tests.activities.factories import (
    BusinessFactory,
    CommunityGroupFactory,
    DiscussionTopicFactory,
    PracticeBaseFactory,
    ProgrammeActivityFactory,
    ProgrammeFactory,
    ProgrammeFigureFactory,
    base_with_participants,
)
from tests.groups.factories import AdminFactory, DistrictFactory, StaffFactory, UserFactory
from tests.suggestions.factories import SuggestionFactory

pytestmark = pytest.mark.django_db


def url(name, language="en", **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


def today():
    return timezone.localdate()


def expiring_in(days, **kwargs):
    """A base whose certification expires `days` from today (negative: it has expired)."""
    expires_on = today() + timedelta(days=days)
    return PracticeBaseFactory(
        certified_on=expires_on - timedelta(days=3 * 365), expires_on=expires_on, **kwargs
    )


# --- The practice-base directory -------------------------------------------------------------


def test_anyone_sees_the_bases_with_kind_district_dates_and_participants_this_year(client):
    district = DistrictFactory(name="西湖区", name_en="Xihu District")
    base = base_with_participants(
        1234,
        name="西湖区应急安全体验馆",
        name_en="Xihu Emergency Safety Hall",
        kind=PracticeBaseKind.EMERGENCY_SAFETY,
        district=district,
    )

    response = client.get(url("practice_base_list"))

    assert response.status_code == 200
    text = response.text
    assert "Xihu Emergency Safety Hall" in text
    assert "Emergency-safety venue" in text
    assert "Xihu District" in text
    assert base.certified_on.isoformat() in text
    assert base.expires_on.isoformat() in text
    assert "1,234" in text
    assert '<div class="table-wrap" tabindex="0" role="region"' in text


def test_the_directory_is_in_chinese_at_the_unprefixed_address(client):
    PracticeBaseFactory(name="西湖区应急安全体验馆", name_en="Xihu Emergency Safety Hall")

    response = client.get(url("practice_base_list", language="zh-hans"))

    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.text
    assert "西湖区应急安全体验馆" in response.text
    assert "Xihu Emergency Safety Hall" not in response.text


def test_the_totals_count_this_years_participants_and_those_at_emergency_safety_venues(client):
    base_with_participants(1000, kind=PracticeBaseKind.EMERGENCY_SAFETY)
    base_with_participants(2000, kind=PracticeBaseKind.EMERGENCY_SAFETY)
    museum = base_with_participants(400, kind=PracticeBaseKind.CULTURAL_VENUE)
    PracticeBaseYear.objects.create(base=museum, year=today().year - 1, participants=99_999)
    PracticeBaseFactory(kind=PracticeBaseKind.NATURE)  # nothing reported yet

    response = client.get(url("practice_base_list"))

    assert response.context["totals"] == {
        "bases": 4,
        "participants": 3400,
        "emergency_safety": 3000,
    }
    assert "not reported" in response.text


def test_filtering_by_district_and_kind_narrows_the_rows_and_the_totals(client):
    xihu, binjiang = DistrictFactory(name_en="Xihu"), DistrictFactory(name_en="Binjiang")
    base_with_participants(
        500, district=xihu, kind=PracticeBaseKind.EMERGENCY_SAFETY, name_en="Xihu safety hall"
    )
    base_with_participants(
        70, district=xihu, kind=PracticeBaseKind.YOUTH_CENTRE, name_en="Xihu youth centre"
    )
    base_with_participants(
        900, district=binjiang, kind=PracticeBaseKind.EMERGENCY_SAFETY, name_en="Binjiang hall"
    )

    by_district = client.get(url("practice_base_list"), {"district": xihu.pk})
    by_both = client.get(
        url("practice_base_list"),
        {"district": xihu.pk, "kind": PracticeBaseKind.EMERGENCY_SAFETY},
    )

    assert by_district.context["totals"] == {
        "bases": 2,
        "participants": 570,
        "emergency_safety": 500,
    }
    assert "Binjiang hall" not in by_district.text
    assert by_both.context["totals"]["bases"] == 1
    assert "Xihu safety hall" in by_both.text
    assert "Xihu youth centre" not in by_both.text


def test_the_status_filter_finds_bases_expiring_within_60_days_or_expired_and_says_so(client):
    expiring_in(-3, name_en="Lapsed base")
    expiring_in(0, name_en="Last-day base")
    expiring_in(60, name_en="Two-months base")
    expiring_in(61, name_en="Safe base")

    expiring = client.get(url("practice_base_list"), {"status": "expiring"}).text
    expired = client.get(url("practice_base_list"), {"status": "expired"}).text
    everything = client.get(url("practice_base_list")).text

    assert "Last-day base" in expiring
    assert "Two-months base" in expiring
    assert "Lapsed base" not in expiring
    assert "Safe base" not in expiring
    assert expiring.count("expires soon</span>") == 2
    assert "Lapsed base" in expired
    assert "Last-day base" not in expired
    assert expired.count("expired</span>") == 1
    # In words, not colour only, on the unfiltered list too.
    assert everything.count("expires soon</span>") == 2
    assert everything.count("expired</span>") == 1


@pytest.mark.parametrize(
    "query",
    [{"district": "abc"}, {"district": "999999"}, {"kind": "zzz"}, {"status": "someday"}],
)
def test_bad_filter_input_shows_the_forms_message_and_no_rows(client, query):
    base_with_participants(800, name_en="Some base")

    response = client.get(url("practice_base_list"), query)

    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert 'aria-invalid="true"' in response.text
    assert "Some base" not in response.text
    assert response.context["totals"]["bases"] == 0


def test_the_directory_pages_through_the_bases(client):
    for n in range(30):
        PracticeBaseFactory(name=f"基地{n:02d}", name_en=f"Base {n:02d}")

    first = client.get(url("practice_base_list"))
    second = client.get(url("practice_base_list"), {"page": 2})

    assert "Base 00" in first.text
    assert "Base 29" not in first.text
    assert "Base 29" in second.text
    assert "Page 2 of 2" in second.text
    assert first.context["totals"]["bases"] == 30


@pytest.mark.parametrize("count", [3, 30])
def test_the_directory_takes_the_same_number_of_queries_for_any_number_of_bases(
    client, count, django_assert_num_queries
):
    district = DistrictFactory()
    for n in range(count):
        base_with_participants(
            100 + n,
            district=district,
            kind=PracticeBaseKind.EMERGENCY_SAFETY if n % 2 else PracticeBaseKind.NATURE,
        )

    # the latest reported year, the districts of the filter form, the totals, the count and
    # the page; and the chosen district, looked up to validate the filter.
    for query, queries in [
        ({}, 5),
        ({"district": district.pk, "kind": PracticeBaseKind.NATURE}, 6),
    ]:
        with django_assert_num_queries(queries):
            response = client.get(url("practice_base_list"), query)
        assert response.status_code == 200


# --- The expiry warning ----------------------------------------------------------------------


@pytest.fixture
def office():
    return AdminFactory(email="office@example.org")


@pytest.fixture
def warn(django_capture_on_commit_callbacks):
    """A run of the warning, and its e-mails sent by the outbox after the commit."""

    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return practice_bases_warn_expiring(**kwargs)

    return run


def test_admins_are_warned_once_about_bases_expiring_within_60_days(office, warn):
    soon = expiring_in(10, name="滨江区消防科普教育基地", name_en="Binjiang Fire Education")
    lapsed = expiring_in(-5, name="富阳区博物馆")
    expiring_in(61, name="余杭区青少年宫")

    warned = warn()

    assert warned == 2
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["office@example.org"]
    assert "滨江区消防科普教育基地" in message.body
    assert soon.expires_on.isoformat() in message.body
    assert "富阳区博物馆" in message.body
    assert "余杭区青少年宫" not in message.body
    soon.refresh_from_db()
    lapsed.refresh_from_db()
    assert soon.expiry_warned_for == soon.expires_on
    assert lapsed.expiry_warned_for == lapsed.expires_on


def test_the_warning_is_written_to_the_outbox_with_the_bases_ids_only(office, warn):
    soon, lapsed = expiring_in(10), expiring_in(-5)

    warn()

    (message,) = Message.objects.all()
    assert (message.recipient, message.template, message.state) == (
        office,
        "activities.practice_bases_expiring",
        MessageState.SENT,
    )
    assert message.context == {"practice_bases": [lapsed.pk, soon.pk]}


def test_a_mail_server_that_is_away_delays_the_warning_and_loses_nothing(office, warn):
    """Before the outbox, the run failed and was retried five times at most."""
    expiring_in(10, name="滨江区消防科普教育基地")

    away = OSError("no route")
    with patch("django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=away):
        assert warn() == 1
    assert mail.outbox == []
    assert warn() == 0, "marked: the outbox has it"

    assert outbox.messages_resend(now=timezone.now() + timedelta(hours=1)) == 1
    (message,) = mail.outbox
    assert message.to == ["office@example.org"]
    assert "滨江区消防科普教育基地" in message.body


def test_a_base_renewed_before_the_warning_is_sent_is_left_out_of_it(
    office, django_capture_on_commit_callbacks
):
    renewed = expiring_in(10, name="滨江区消防科普教育基地")
    expiring_in(20, name="富阳区博物馆")
    with django_capture_on_commit_callbacks() as callbacks:
        practice_bases_warn_expiring()
    renewed.expires_on = today() + timedelta(days=3 * 365)
    renewed.save()

    for callback in callbacks:
        callback()

    (message,) = mail.outbox
    assert "富阳区博物馆" in message.body
    assert "滨江区消防科普教育基地" not in message.body


def test_the_warning_is_written_in_the_default_language_with_a_link_to_the_directory(office, warn):
    expiring_in(10, name="滨江区消防科普教育基地", name_en="Binjiang Fire Education")

    with translation.override("en"):
        warn()

    body = mail.outbox[0].body
    assert "滨江区消防科普教育基地" in body
    assert "Binjiang Fire Education" not in body
    assert settings.PORTAL_BASE_URL + "/practice-bases/" in body


def test_a_second_run_sends_nothing(office, warn):
    expiring_in(10)
    warn()

    warned = warn()

    assert warned == 0
    assert len(mail.outbox) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_warn_once_the_second_waiting_for_the_first(office):
    expiring_in(10)
    writing, may_finish = threading.Event(), threading.Event()
    queue = services.messages_queue

    def slow_queue(**kwargs):
        writing.set()
        may_finish.wait(10)
        return queue(**kwargs)

    warned = []

    def run():
        try:
            warned.append(practice_bases_warn_expiring())
        finally:
            connection.close()

    with patch.object(services, "messages_queue", slow_queue):
        first, second = threading.Thread(target=run), threading.Thread(target=run)
        first.start()
        assert writing.wait(10)
        second.start()
        second.join(0.5)  # it waits for the first's lock on the base
        assert second.is_alive()
        may_finish.set()
        first.join(10)
        second.join(10)

    assert sorted(warned) == [0, 1]
    assert Message.objects.count() == 1
    assert len(mail.outbox) == 1


def test_every_active_admin_gets_the_warning_and_no_one_else(office, warn):
    superuser = UserFactory(role=Role.MENTOR, is_superuser=True, email="root@example.org")
    UserFactory(role=Role.SCHOOL, email="school@example.org")
    UserFactory(role=Role.ADMIN, is_active=False, email="gone@example.org")
    UserFactory(role=Role.ADMIN, email="")
    expiring_in(10)

    warn()

    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == ["office@example.org", superuser.email]


def test_two_admin_logins_with_one_address_get_one_warning(office, warn):
    AdminFactory(email="Office@Example.org")
    expiring_in(10)

    warn()

    assert [message.to for message in mail.outbox] == [["office@example.org"]]


def test_a_base_renewed_with_a_new_expiry_date_is_warned_about_again(office, warn):
    base = expiring_in(10)
    warn()
    base.expires_on = today() + timedelta(days=50)
    base.save()

    warned = warn()

    assert warned == 1
    assert len(mail.outbox) == 2
    base.refresh_from_db()
    assert base.expiry_warned_for == base.expires_on


def test_a_base_renewed_for_years_is_not_warned_about(office, warn):
    base = expiring_in(10)
    warn()
    base.expires_on = today() + timedelta(days=3 * 365)
    base.save()

    assert warn() == 0
    assert len(mail.outbox) == 1


def test_with_no_admin_to_write_to_nothing_is_marked_so_the_warning_waits(db, warn):
    base = expiring_in(10)

    assert warn() == 0

    base.refresh_from_db()
    assert base.expiry_warned_for is None
    office = AdminFactory(email="office@example.org")
    assert warn() == 1
    assert mail.outbox[0].to == [office.email]


def test_the_day_to_count_from_can_be_given(office, warn):
    expiring_in(100)

    assert warn(today=today() + timedelta(days=50)) == 1


def test_the_daily_task_sends_the_warning_and_beat_runs_it_every_day(
    office, django_capture_on_commit_callbacks
):
    expiring_in(10)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.practice_bases_warn_expiring.delay().get() == 1
    assert len(mail.outbox) == 1
    entries = [e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "activities.tasks.practice_bases_warn_expiring" in entries


def test_the_admin_home_says_how_many_bases_expire_within_60_days_and_links_to_them(client):
    expiring_in(5)
    expiring_in(59)
    expiring_in(-1)
    expiring_in(200)
    client.force_login(AdminFactory())

    response = client.get(url("home"))

    text = response.text
    link = url("practice_base_list")
    assert f'<a href="{link}?status=expiring">2 practice bases</a> expire within 60 days' in text
    assert f'<a href="{link}?status=expired">1 practice base</a> has an expired' in text


# --- Programmes and brands -------------------------------------------------------------------


@pytest.fixture
def programmes():
    principal = ProgrammeFactory(name="与校长面对面", name_en="Talking with the Principal")
    uniforms = ProgrammeFactory(
        name="校服循环计划", name_en="School Uniform Recycling Plan", part_of=principal
    )
    reading = ProgrammeFactory(name="共读互助", name_en="Mutual Support for Shared Reading")
    ProgrammeFigureFactory(programme=reading, name_en="books donated", value=412)
    ProgrammeFigureFactory(programme=uniforms, name_en="uniforms collected", value=2360)
    ProgrammeActivityFactory(programme=principal, children_count=30, adults_count=4)
    ProgrammeActivityFactory(programme=principal, children_count=12, adults_count=3)
    ProgrammeActivityFactory(programme=uniforms, children_count=8, adults_count=1)
    return principal, uniforms, reading


def test_the_programme_list_nests_the_parts_and_sums_activities_children_and_adults(
    client, programmes
):
    principal, uniforms, reading = programmes

    response = client.get(url("programme_list"))

    assert response.status_code == 200
    listed = {p.pk: p for p in response.context["programmes"]}
    assert set(listed) == {principal.pk, reading.pk}
    top = listed[principal.pk]
    assert (top.activity_count, top.children, top.adults) == (2, 42, 7)
    assert [(p.pk, p.activity_count, p.children) for p in top.subprogrammes] == [
        (uniforms.pk, 1, 8)
    ]
    assert listed[reading.pk].activity_count == 0
    text = response.text
    assert "School Uniform Recycling Plan" in text
    assert "Part of Talking with the Principal" in text
    assert "<strong>412</strong> books donated" in text
    assert "<strong>2,360</strong> uniforms collected" in text


def test_the_programme_list_takes_two_queries_however_many_programmes(
    client, programmes, django_assert_num_queries
):
    for _ in range(5):
        ProgrammeFigureFactory(programme=ProgrammeFactory(part_of=programmes[0]))

    with django_assert_num_queries(2):
        client.get(url("programme_list"))


def test_the_programme_page_shows_its_description_runner_figures_and_parts(client, programmes):
    principal, uniforms, _reading = programmes
    principal.run_by = DistrictFactory(name_en="Hangzhou Education Bureau")
    principal.description_en = "Children meet their principals face to face."
    principal.save()

    english = client.get(url("programme_detail", pk=principal.pk)).text
    chinese = client.get(url("programme_detail", language="zh-hans", pk=principal.pk)).text

    assert "Children meet their principals face to face." in english
    assert "项目介绍" in chinese
    assert "Hangzhou Education Bureau" in english
    assert url("programme_detail", pk=uniforms.pk) in english
    part = client.get(url("programme_detail", pk=uniforms.pk)).text
    assert "<strong>2,360</strong> uniforms collected" in part
    assert url("programme_detail", pk=principal.pk) in part  # what it is part of


def test_the_programme_page_lists_its_activities_newest_first_linked_to_each(client):
    programme = ProgrammeFactory()
    now = timezone.now()
    older = ProgrammeActivityFactory(
        programme=programme, title="去年的采访", starts_at=now - timedelta(days=300)
    )
    newer = ProgrammeActivityFactory(
        programme=programme, title="上周的采访", starts_at=now - timedelta(days=7)
    )
    ProgrammeActivityFactory(title="别的项目的活动")

    response = client.get(url("programme_detail", pk=programme.pk))

    text = response.text
    assert text.index("上周的采访") < text.index("去年的采访")
    assert "别的项目的活动" not in text
    assert reverse("activity_detail", kwargs={"pk": newer.pk}) in text
    assert reverse("activity_detail", kwargs={"pk": older.pk}) in text


def test_the_programme_page_pages_its_activities_with_a_constant_number_of_queries(
    client, django_assert_num_queries
):
    programme = ProgrammeFactory()
    for n in range(30):
        ProgrammeActivityFactory(programme=programme, starts_at=timezone.now() - timedelta(n))

    # the programme, its figures, its parts, the count and the page of activities
    with django_assert_num_queries(5):
        response = client.get(url("programme_detail", pk=programme.pk), {"page": 2})

    assert len(response.context["page"].object_list) == 5


def test_a_missing_programme_is_not_found(client):
    assert client.get(url("programme_detail", pk=987654)).status_code == 404


# --- Discussion topics -----------------------------------------------------------------------


@pytest.fixture
def topic():
    group = CommunityGroupFactory(name="杨柳郡社区儿童观察团", name_en="Yangliujun group")
    implemented = SuggestionFactory(
        title="社区儿童停车场", state="implemented", group=group, child__pseudonym="小白鹭"
    )
    in_progress = SuggestionFactory(title="楼道感应灯", state="in_progress", group=group)
    draft = SuggestionFactory(title="还没写完的想法", state="draft", group=group)
    return DiscussionTopicFactory(
        name="儿童停车场怎么设计",
        name_en="Designing a children's parking area",
        group=group,
        partner__name_en="Zhejiang University of Technology",
        summary="孩子们和专家一起实地查看。",
        suggestions=[implemented, in_progress, draft],
    )


def test_the_topic_list_shows_partner_group_date_summary_and_the_suggestions_with_state(
    client, topic
):
    response = client.get(url("topic_list"))

    assert response.status_code == 200
    text = response.text
    assert "Designing a children&#x27;s parking area" in text
    assert "Zhejiang University of Technology" in text
    assert "Yangliujun group" in text
    assert topic.raised_on.isoformat() in text
    assert "孩子们和专家一起实地查看。" in text
    assert "社区儿童停车场" in text
    assert "Implemented" in text
    # Only implemented suggestions are public: the others are counted, not shown.
    assert "楼道感应灯" not in text
    assert "and 1 more, still on its way" in text


def test_those_who_may_open_a_suggestion_still_on_its_way_see_it_on_the_topic(client, topic):
    client.force_login(AdminFactory())

    text = client.get(url("topic_list")).text

    assert "楼道感应灯" in text
    assert "Being built" in text


def test_the_topic_list_never_shows_a_childs_pseudonym_or_a_draft(client, topic):
    text = client.get(url("topic_list")).text

    assert "小白鹭" not in text
    assert "还没写完的想法" not in text


def test_a_suggestion_is_linked_only_for_those_who_may_open_it(client, topic):
    implemented = topic.suggestions.get(title="社区儿童停车场")
    link = reverse("suggestion_detail", kwargs={"pk": implemented.pk})

    public = client.get(url("topic_list")).text
    client.force_login(AdminFactory())
    office = client.get(url("topic_list")).text

    assert link not in public
    assert link in office


def test_topics_filter_by_partner_and_by_group(client, topic):
    business = BusinessFactory(name_en="Hangzhou Public Transport Group")
    other = DiscussionTopicFactory(name_en="Bus stops at a child's height", partner=business)

    by_partner = client.get(url("topic_list"), {"partner": business.pk}).text
    by_group = client.get(url("topic_list"), {"group": topic.group_id}).text

    assert "Bus stops at a child&#x27;s height" in by_partner
    assert "Designing a children" not in by_partner
    assert "Designing a children" in by_group
    assert other.name_en.replace("'", "&#x27;") not in by_group


def test_bad_topic_filter_input_shows_the_forms_message(client, topic):
    response = client.get(url("topic_list"), {"partner": "abc", "group": "0"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert "Designing a children" not in response.text


@pytest.mark.parametrize("count", [2, 20])
def test_the_topic_list_takes_the_same_number_of_queries_for_any_number_of_topics(
    client, count, django_assert_num_queries
):
    group = CommunityGroupFactory()
    for n in range(count):
        state = "implemented" if n % 2 else "at_school"
        DiscussionTopicFactory(
            group=group, suggestions=[SuggestionFactory(group=group, state=state)]
        )
    staff = StaffFactory(organisation=group.organisation, user__role=Role.COMMUNITY).user
    client.force_login(staff)
    client.get(url("topic_list"))

    # session, user; the partners and the groups of the filter form, the count, the page, the
    # suggestions; which of them the staff may open (one query, after the staff and mentor
    # rows); may they edit the group's topics (once per group); unread notices.
    with django_assert_num_queries(12):
        response = client.get(url("topic_list"))

    assert response.status_code == 200


def test_in_january_the_directory_shows_last_years_counts(client):
    base_with_participants(1234, year=timezone.localdate().year - 1)

    response = client.get(url("practice_base_list"))

    assert response.context["year"] == timezone.localdate().year - 1
    assert response.context["totals"]["participants"] == 1234
