import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from suggestions.models import StageChange, Suggestion
from suggestions.services import suggestion_transition
from suggestions.workflow import State
from tests.helpers import photo_bytes, suggestion_form_data, url
from tests.suggestions.factories import SuggestionFactory, route_pending

pytestmark = pytest.mark.django_db


def test_a_child_saves_a_draft_then_sends_it_and_it_reaches_the_school(
    client, pipe, django_capture_on_commit_callbacks
):
    client.force_login(pipe.child_user)

    response = client.post(url("suggestion_new"), {**suggestion_form_data(pipe), "save": "1"})
    suggestion = Suggestion.objects.get()
    assert response.status_code == 302
    assert suggestion.state == State.DRAFT

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url("suggestion_edit", pk=suggestion.pk),
            {**suggestion_form_data(pipe), "submit": "1", "version": suggestion.version},
        )

    suggestion.refresh_from_db()
    assert suggestion.state == State.AT_SCHOOL
    page = client.get(url("suggestion_detail", pk=suggestion.pk)).text
    assert f"It arrived at {pipe.school.name}" in page
    assert f"{pipe.school.name} has it now." in page and "Answer by" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "Give it a short name first: a few words are enough."),
        ({"title": "长" * 81}, "That is too long: at most 80 characters (you wrote 81)."),
        ({"noticed": "x" * 2001}, "That is too long: at most 2000 characters (you wrote 2001)."),
        ({"role": "king"}, "Choose one of the roles below."),
    ],
)
def test_bad_input_on_the_childs_form_is_explained_and_what_was_typed_is_kept(
    client, pipe, overrides, message
):
    client.force_login(pipe.child_user)

    response = client.post(
        url("suggestion_new"), {**suggestion_form_data(pipe, **overrides), "submit": "1"}
    )

    assert response.status_code == 200
    assert message in response.text
    assert "文三街小学南门" in response.text, "the rest of the input is kept"
    assert not Suggestion.objects.exists()


def test_the_form_speaks_chinese_by_default(client, pipe):
    client.force_login(pipe.child_user)

    response = client.post(
        url("suggestion_new", "zh-hans"), {**suggestion_form_data(pipe, title=""), "submit": "1"}
    )

    assert "先给它起个简短的名字，几个字就够了。" in response.text


def test_a_file_that_is_not_an_image_is_refused(client, pipe):
    client.force_login(pipe.child_user)
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")

    response = client.post(
        url("suggestion_new"), {**suggestion_form_data(pipe), "photo": fake, "submit": "1"}
    )

    assert response.status_code == 200
    assert "This file is not a photo" in response.text or "Upload a valid image" in response.text
    assert not Suggestion.objects.exists()


def test_a_photo_too_big_is_refused_with_the_limit(client, pipe, settings):
    settings.SUGGESTIONS_PHOTO_MAX_BYTES = 1000
    client.force_login(pipe.child_user)
    big = SimpleUploadedFile("p.jpg", photo_bytes(size=(400, 400)), content_type="image/jpeg")

    response = client.post(
        url("suggestion_new"), {**suggestion_form_data(pipe), "photo": big, "submit": "1"}
    )

    assert "The photo is too big" in response.text
    assert not Suggestion.objects.exists()


def test_a_photo_is_kept_without_its_location_and_only_shown_to_those_who_may_see_it(
    client, pipe, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(pipe.child_user)
    upload = SimpleUploadedFile("p.jpg", photo_bytes(), content_type="image/jpeg")
    assert Image.open(io.BytesIO(photo_bytes())).getexif(), "the test photo has EXIF"

    client.post(url("suggestion_new"), {**suggestion_form_data(pipe), "photo": upload, "save": "1"})

    suggestion = Suggestion.objects.get()
    stored = Image.open(suggestion.photo.path)
    assert not stored.getexif()
    assert "exif" not in stored.info
    response = client.get(url("suggestion_photo", pk=suggestion.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    client.force_login(pipe.other_department_staff)
    assert client.get(url("suggestion_photo", pk=suggestion.pk)).status_code == 403


def test_the_school_sees_it_in_its_inbox_and_collects_it(client, pipe):
    suggestion = pipe.draft()
    suggestion_transition(suggestion=suggestion, action="submit", user=pipe.child_user)
    route_pending()
    client.force_login(pipe.school_staff)

    inbox = client.get(url("inbox"))
    assert suggestion.title in inbox.text
    detail = client.get(url("suggestion_detail", pk=suggestion.pk))
    assert "Collect and pass on to the community" in detail.text
    assert "Mark as implemented" not in detail.text

    suggestion.refresh_from_db()
    response = client.post(
        url("suggestion_act", pk=suggestion.pk, action="collect"),
        {"collect-version": suggestion.version},
    )

    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.state in (State.COLLECTED, State.AT_COMMUNITY)


def test_a_stale_form_says_someone_moved_it_and_keeps_what_was_typed(client, pipe):
    suggestion = pipe.draft()
    suggestion_transition(suggestion=suggestion, action="submit", user=pipe.child_user)
    route_pending()
    suggestion.refresh_from_db()
    seen = suggestion.version
    suggestion_transition(suggestion=suggestion, action="collect", user=pipe.school_staff)
    client.force_login(pipe.school_staff)

    response = client.post(
        url("suggestion_act", pk=suggestion.pk, action="return"),
        {"return-version": seen, "return-note": "是哪个校门？"},
    )

    assert response.status_code == 409
    assert "Someone else moved this suggestion" in response.text
    assert "是哪个校门？" in response.text
    assert StageChange.objects.filter(suggestion=suggestion, action="return").count() == 0


def test_declining_without_a_reason_is_explained_and_changes_nothing(client, pipe):
    suggestion = pipe.draft()
    suggestion_transition(suggestion=suggestion, action="submit", user=pipe.child_user)
    route_pending()
    suggestion.refresh_from_db()
    client.force_login(pipe.school_staff)

    response = client.post(
        url("suggestion_act", pk=suggestion.pk, action="decline"),
        {"decline-version": suggestion.version, "decline-note": ""},
    )

    assert response.status_code == 200
    assert "This field is required" in response.text
    suggestion.refresh_from_db()
    assert suggestion.state == State.AT_SCHOOL


def test_acting_on_another_organisations_suggestion_is_403_and_logged(client, pipe, caplog):
    suggestion = pipe.draft()
    suggestion_transition(suggestion=suggestion, action="submit", user=pipe.child_user)
    route_pending()
    client.force_login(pipe.other_department_staff)

    response = client.post(
        url("suggestion_act", pk=suggestion.pk, action="collect"), {"collect-version": 2}
    )

    assert response.status_code == 403
    assert f"refused suggestion {suggestion.pk}" in caplog.text
    assert client.get(url("suggestion_detail", pk=suggestion.pk)).status_code == 403


def test_an_unknown_action_is_a_404(client, pipe):
    suggestion = pipe.draft()
    client.force_login(pipe.child_user)

    assert (
        client.post(url("suggestion_act", pk=suggestion.pk, action="teleport")).status_code == 404
    )


def test_the_department_marks_it_implemented_and_the_child_reads_the_answer(client, pipe):
    suggestion = pipe.draft()
    suggestion_transition(suggestion=suggestion, action="submit", user=pipe.child_user)
    route_pending()
    for action, user in [("collect", pipe.school_staff), ("forward", pipe.community_staff)]:
        suggestion.refresh_from_db()
        suggestion_transition(suggestion=suggestion, action=action, user=user)
        route_pending()
    suggestion.refresh_from_db()
    suggestion_transition(
        suggestion=suggestion,
        action="accept",
        user=pipe.department_staff,
        planned_on=timezone.localdate() + timedelta(days=30),
    )
    suggestion.refresh_from_db()
    client.force_login(pipe.department_staff)

    bad = client.post(
        url("suggestion_act", pk=suggestion.pk, action="mark_implemented"),
        {
            "mark_implemented-version": suggestion.version,
            "mark_implemented-description": "建成儿童停车场",
            "mark_implemented-quantity": "-3",
            "mark_implemented-unit": "个儿童停车场",
            "mark_implemented-completed_on": str(timezone.localdate()),
        },
    )
    assert "建成儿童停车场" in bad.text, "input kept"
    good = client.post(
        url("suggestion_act", pk=suggestion.pk, action="mark_implemented"),
        {
            "mark_implemented-version": suggestion.version,
            "mark_implemented-description": "建成儿童停车场",
            "mark_implemented-quantity": "7",
            "mark_implemented-unit": "个儿童停车场",
            "mark_implemented-completed_on": str(timezone.localdate()),
        },
    )
    assert good.status_code == 302

    client.force_login(pipe.child_user)
    page = client.get(url("suggestion_detail", pk=suggestion.pk)).text
    assert "It was done!" in page
    assert "建成儿童停车场" in page
    notices = client.get(url("notifications")).text
    assert "Your suggestion has an answer" in notices


def test_the_page_refuses_an_outcome_completed_in_the_future(client, pipe):
    suggestion = walked_to_school(pipe)
    suggestion_transition(suggestion=suggestion, action="collect", user=pipe.school_staff)
    route_pending()
    suggestion.refresh_from_db()
    client.force_login(pipe.community_staff)

    page = client.post(
        url("suggestion_act", pk=suggestion.pk, action="resolve_locally"),
        {
            "resolve_locally-version": suggestion.version,
            "resolve_locally-description": "建成儿童停车场",
            "resolve_locally-completed_on": str(timezone.localdate() + timedelta(days=1)),
        },
    )

    assert "The work cannot be completed in the future." in page.text
    suggestion.refresh_from_db()
    assert suggestion.state == State.AT_COMMUNITY


def test_the_public_page_shows_implemented_suggestions_by_pseudonym_only(client, pipe):
    from groups.models import ChildPersonalData

    ChildPersonalData.objects.create(child=pipe.child, real_name="王雨桐")
    suggestion = pipe.draft()
    Suggestion.objects.filter(pk=suggestion.pk).update(
        state=State.IMPLEMENTED, closed_at=timezone.now()
    )
    from suggestions.models import Outcome

    Outcome.objects.create(
        suggestion=suggestion, description="建成儿童停车场", completed_on=timezone.localdate()
    )
    SuggestionFactory(title="还在路上的建议")

    response = client.get(url("implemented"))

    assert "建成儿童停车场" in response.text
    assert "小白鹭" in response.text
    assert "王雨桐" not in response.text
    assert "还在路上的建议" not in response.text
    assert client.get(url("implemented") + "?district=abc").status_code == 200


def test_the_inbox_filters_by_overdue_and_pins_its_query_count(
    client, pipe, django_assert_max_num_queries
):
    for _ in range(3):
        suggestion = pipe.draft()
        suggestion_transition(suggestion=suggestion, action="submit", user=pipe.child_user)
    route_pending()
    Suggestion.objects.filter(pk=suggestion.pk).update(overdue_since=timezone.now())
    client.force_login(pipe.school_staff)

    with django_assert_max_num_queries(12):
        response = client.get(url("inbox") + "?overdue=yes")

    assert response.text.count("Overdue</span>") == 1


@pytest.mark.parametrize("count", [10, 60])
def test_the_inbox_takes_the_same_number_of_queries_for_any_number_of_suggestions(
    client, pipe, count, django_assert_num_queries
):
    from suggestions.models import RoutingJob

    for _ in range(count):
        suggestion = pipe.draft()
        suggestion_transition(suggestion=suggestion, action="submit", user=pipe.child_user)
    route_pending()
    assert RoutingJob.objects.filter(done_at=None).count() == 0
    Suggestion.objects.filter(pk=suggestion.pk).update(overdue_since=timezone.now())
    client.force_login(pipe.school_staff)
    client.get(url("inbox"))  # the session and the language settle on the first request

    # session, user, staff, organisation, count, page, focus areas (the filter form), unread
    # notices; and the chosen focus area, looked up to validate the filter.
    for query, queries in [
        ("", 8),
        ("?overdue=yes", 8),
        (f"?state=at_school&focus_area={pipe.focus_area.pk}", 9),
    ]:
        with django_assert_num_queries(queries):
            response = client.get(url("inbox") + query)
        assert response.status_code == 200


def walked_to_school(pipe, child=None):
    suggestion = pipe.draft(**({"child": child} if child else {}))
    user = child.user if child else pipe.child_user
    suggestion_transition(suggestion=suggestion, action="submit", user=user)
    route_pending()
    suggestion.refresh_from_db()
    return suggestion


def test_staff_who_may_see_it_but_no_longer_own_it_get_403_for_a_move(client, pipe, caplog):
    suggestion = walked_to_school(pipe)
    suggestion_transition(suggestion=suggestion, action="collect", user=pipe.school_staff)
    route_pending()
    suggestion.refresh_from_db()
    client.force_login(pipe.school_staff)

    assert client.get(url("suggestion_detail", pk=suggestion.pk)).status_code == 200
    response = client.post(
        url("suggestion_act", pk=suggestion.pk, action="decline"),
        {"decline-version": suggestion.version, "decline-note": "不行"},
    )

    assert response.status_code == 403
    assert f"refused action decline on suggestion {suggestion.pk}" in caplog.text
    suggestion.refresh_from_db()
    assert suggestion.state == State.AT_COMMUNITY


def test_a_child_whose_suggestion_was_merged_can_open_the_one_that_goes_on(client, pipe):
    from tests.groups.factories import ChildUserFactory

    other_child = ChildUserFactory(child__school=pipe.school).child
    goes_on = walked_to_school(pipe, child=other_child)
    mine = walked_to_school(pipe)
    suggestion_transition(
        suggestion=mine, action="merge", user=pipe.school_staff, merged_into=goes_on
    )
    client.force_login(pipe.child_user)

    assert client.get(url("suggestion_detail", pk=goes_on.pk)).status_code == 200
    client.force_login(ChildUserFactory())
    assert client.get(url("suggestion_detail", pk=goes_on.pk)).status_code == 403


def test_after_a_stale_form_the_kept_words_can_be_sent_with_the_next_click(client, pipe):
    suggestion = walked_to_school(pipe)
    seen = suggestion.version
    Suggestion.objects.filter(pk=suggestion.pk).update(version=seen + 1)  # moved meanwhile
    client.force_login(pipe.school_staff)
    data = {"return-version": seen, "return-note": "是哪个校门？"}

    first = client.post(url("suggestion_act", pk=suggestion.pk, action="return"), data)
    assert first.status_code == 409
    assert f'value="{seen + 1}"' in first.text, "the kept form now carries the current version"
    data["return-version"] = seen + 1
    second = client.post(url("suggestion_act", pk=suggestion.pk, action="return"), data)

    assert second.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.state == State.RETURNED


def test_a_form_without_its_version_asks_to_reload(client, pipe):
    suggestion = walked_to_school(pipe)
    client.force_login(pipe.school_staff)

    response = client.post(url("suggestion_act", pk=suggestion.pk, action="collect"), {})

    assert "This page is out of date" in response.text
    suggestion.refresh_from_db()
    assert suggestion.state == State.AT_SCHOOL


def test_a_missing_photo_file_is_a_404_not_a_500(client, pipe):
    suggestion = pipe.draft()
    Suggestion.objects.filter(pk=suggestion.pk).update(photo="suggestions/gone.jpg")
    client.force_login(pipe.child_user)

    assert client.get(url("suggestion_photo", pk=suggestion.pk)).status_code == 404


def test_the_child_home_invites_a_new_suggestion_and_counts_theirs(client, pipe):
    from groups.models import Membership
    from tests.groups.factories import SubTeamFactory

    Membership.objects.create(
        child=pipe.child, sub_team=SubTeamFactory(), starts_on=pipe.child.joined_on
    )
    walked_to_school(pipe)
    pipe.draft()
    client.force_login(pipe.child_user)

    response = client.get(url("home"))

    assert reverse("suggestion_new") in response.text
    assert "1 suggestion is on its way" in response.text
    assert "is not sent yet. Finish it and send it." in response.text, "the draft waits"


def test_the_staff_home_leads_to_the_inbox_with_its_count(client, pipe):
    walked_to_school(pipe)
    walked_to_school(pipe)
    client.force_login(pipe.school_staff)

    response = client.get(url("home"))

    assert "Your inbox: 2 suggestions" in response.text


def test_opening_a_suggestion_reads_its_notifications_and_only_the_readers(client, pipe):
    from suggestions.models import Notification, NotificationKind

    suggestion = walked_to_school(pipe)
    other = walked_to_school(pipe)
    mine = Notification.objects.create(
        recipient=pipe.child_user, suggestion=suggestion, kind=NotificationKind.ANSWERED
    )
    about_another = Notification.objects.create(
        recipient=pipe.child_user, suggestion=other, kind=NotificationKind.ANSWERED
    )
    client.force_login(pipe.child_user)

    client.get(url("suggestion_detail", pk=suggestion.pk))

    mine.refresh_from_db()
    about_another.refresh_from_db()
    assert mine.read_at is not None
    assert about_another.read_at is None


@pytest.mark.parametrize("count", [2, 14])
def test_the_childs_list_shows_a_stepper_per_card_in_a_fixed_number_of_queries(
    client, pipe, count, django_assert_num_queries
):
    from suggestions.views import PAGE_SIZE
    from tests.suggestions.factories import SuggestionFactory

    for state in ["draft", "at_school", "implemented", "declined"] * (count // 2):
        SuggestionFactory(child=pipe.child, state=state)
    client.force_login(pipe.child_user)
    client.get(url("my_suggestions"))  # the session and the language settle on the first request

    # session, user, child, count, page, its history (where a final one ended), the ones they
    # said "me too" to, unread notices
    with django_assert_num_queries(8):
        response = client.get(url("my_suggestions"))

    assert response.text.count('class="stepper-mini"') == min(count * 2, PAGE_SIZE)


@pytest.mark.parametrize("count", [1, 6])
def test_a_guardian_reads_about_their_childs_suggestion_not_their_own(
    client, pipe, count, django_assert_num_queries
):
    from types import SimpleNamespace

    from django.utils import translation

    from suggestions.messages import notification
    from suggestions.models import Notification
    from tests.groups.factories import GuardianshipFactory

    guardian = GuardianshipFactory(child=pipe.child).guardian.user
    suggestion = pipe.draft(title="校门口车太多")
    for kind in ["answered", "progress", "moved", "returned", "answered", "moved"][:count]:
        Notification.objects.create(recipient=guardian, suggestion=suggestion, kind=kind)
    child_notice = Notification.objects.create(
        recipient=pipe.child_user, suggestion=suggestion, kind="answered"
    )
    client.force_login(guardian)
    client.get(url("notifications", "zh-hans"))  # the session and the language settle first

    # session, user, unread notices, count, page (with each notice's suggestion and child)
    with django_assert_num_queries(5):
        notices = client.get(url("notifications", "zh-hans")).text
    home = client.get(url("home", "zh-hans")).text

    assert "小白鹭的建议有了答复" in notices and "小白鹭的建议有了答复" in home
    assert "你的建议" not in notices and "你的建议" not in home
    english = client.get(url("notifications")).text
    assert "小白鹭&#x27;s suggestion has an answer" in english
    guardians_mail = Notification.objects.filter(recipient=guardian, kind="answered").first()
    with translation.override("en"):
        # A family's message names the child by pseudonym only (issue 20).
        mail = notification(SimpleNamespace(), guardians_mail)
        assert mail.subject == "小白鹭's suggestion has an answer"
        assert mail.fields == {"child": "小白鹭", "title": "校门口车太多", "news": "has an answer"}
        childs = notification(SimpleNamespace(), child_notice)
        assert childs.subject == "Your suggestion has an answer"
    client.force_login(pipe.child_user)
    assert "你的建议有了答复" in client.get(url("notifications", "zh-hans")).text


@pytest.mark.parametrize(
    "state, childs, guardians",
    [
        (State.DRAFT, "还没有发送。准备好了再发送。", "小白鹭还没有发送这条建议。"),
        (State.RETURNED, "学校向你提了", "学校向小白鹭提了一个问题"),
        (State.WITHDRAWN, "你撤回了", "小白鹭撤回了这条建议。"),
    ],
)
def test_where_a_suggestion_is_speaks_to_the_child_or_of_the_child_to_a_guardian(
    client, pipe, state, childs, guardians
):
    from tests.groups.factories import GuardianshipFactory

    guardian = GuardianshipFactory(child=pipe.child).guardian.user
    suggestion = pipe.draft(title="校门口车太多", state=state)
    pages = [
        url("my_suggestions", "zh-hans"),
        url("suggestion_detail", "zh-hans", pk=suggestion.pk),
    ]
    if state != State.WITHDRAWN:  # the homes show what is still on its way
        pages.append(url("home", "zh-hans"))

    client.force_login(guardian)
    for page in pages:
        text = client.get(page).text
        assert guardians in text, page
        assert childs not in text, page
    english = client.get(url("suggestion_detail", pk=suggestion.pk)).text
    assert "小白鹭" in english.split('class="where-now"')[1].split("</p>")[0]

    client.force_login(pipe.child_user)
    for page in pages:
        text = client.get(page).text
        assert childs in text, page
        assert guardians not in text, page


@pytest.mark.parametrize(
    ("state", "by_when"),
    [
        (State.AT_SCHOOL, "会在 2026-12-24 前回复。"),
        (State.IN_PROGRESS, "计划 2026-12-24 前完成。"),
    ],
)
def test_the_journey_says_who_has_it_now_and_by_when(client, pipe, state, by_when):
    from datetime import datetime

    owner = pipe.school if state == State.AT_SCHOOL else pipe.department
    due = timezone.make_aware(datetime(2026, 12, 24, 12))
    suggestion = pipe.draft(state=state, owner=owner, due_at=due, submitted_at=timezone.now())
    client.force_login(pipe.child_user)

    page = client.get(url("suggestion_detail", "zh-hans", pk=suggestion.pk)).text

    current = page.split('aria-current="step"', 1)[1].split("</li>", 1)[0]
    assert f"<span>现在由{owner.name}处理。</span><span>{by_when}</span>" in current
    assert page.count("2026-12-24") == 1, "said once, not again under the stepper"


def test_a_title_only_draft_shows_no_empty_content_section(client, pipe):
    title_only = pipe.draft(title="楼道灯太暗", noticed="", proposal="", place="")
    written = pipe.draft(title="校门口车太多")
    client.force_login(pipe.child_user)

    empty = client.get(url("suggestion_detail", "zh-hans", pk=title_only.pk)).text
    full = client.get(url("suggestion_detail", "zh-hans", pk=written.pk)).text

    assert 'id="content-heading"' not in empty and "建议内容" not in empty
    assert "楼道灯太暗" in empty
    assert 'id="content-heading"' in full and written.noticed in full
