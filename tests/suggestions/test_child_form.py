"""The child's suggestion form in numbered steps, and the page after sending (issue 18, item 2)."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from suggestions.models import StageDeadline, Suggestion
from suggestions.workflow import State
from tests.groups.factories import FocusAreaFactory, MembershipFactory, SubTeamFactory
from tests.suggestions.test_views import photo_bytes

pytestmark = pytest.mark.django_db

TYPED = {
    "title": "楼道灯太暗",
    "noticed": "晚上楼道很黑，我差点摔倒。",
    "proposal": "换上会自己亮的感应灯。",
    "place": "梧桐苑 3 幢楼道",
}


def url(name, language="en", **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


def complete(pipe, **overrides):
    return {**TYPED, "focus_area": pipe.focus_area.pk, "role": "safety_promoter", **overrides}


def checked(page, name) -> list[str]:
    return re.findall(rf'<input type="radio" name="{name}" value="([^"]*)"[^>]*checked', page)


def test_the_form_is_six_numbered_steps_and_a_place_to_send(client, pipe):
    client.force_login(pipe.child_user)

    page = client.get(url("suggestion_new")).text

    legends = re.findall(r'<span class="step-number">(\d)</span> ([^<]+)<', page)
    assert legends == [
        ("1", "What did you notice?"),
        ("2", "What is your idea?"),
        ("3", "Where is it?"),
        ("4", "A photo (you can skip this)"),
        ("5", "What is it about?"),
        ("6", "Your role"),
        ("7", "Check and send"),
    ]
    assert len(re.findall(r'<fieldset id="step-', page)) == 6
    assert "For example" in page
    assert "---------" not in page
    assert 'name="form_key"' in page
    # It works without JavaScript: one script fills the review of step 7 (without it the step
    # links back to each step; tests/browser/test_child_journey_e2e.py sends the form with
    # JavaScript off), the place picker's only makes step 3 quicker, and the similar ones' only
    # asks for them as the child types (a button does it without).
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts == [
        '<script src="/static/js/suggestion-form.js" defer>',
        '<script src="/static/js/place-picker.js" defer>',
        '<script src="/static/js/similar.js" defer>',
    ]
    assert "data-review-fallback" in page


def test_each_focus_area_is_a_card_with_an_icon_and_one_line(client, pipe):
    FocusAreaFactory(code="parks", name="公园绿地", name_en="Parks and green space")
    client.force_login(pipe.child_user)

    page = client.get(url("suggestion_new")).text

    assert page.count('type="radio" name="focus_area"') == 2
    assert "icon-trees" in page
    assert "Parks, trees, grass and places to play outside." in page
    # An area without a line of its own still shows its name, with a pin.
    assert "Transport" in page and "icon-map-pin" in page


def test_each_role_is_explained_in_one_sentence_in_both_languages(client, pipe):
    client.force_login(pipe.child_user)

    english = client.get(url("suggestion_new")).text
    chinese = client.get(url("suggestion_new", "zh-hans")).text

    assert english.count('type="radio" name="role"') == 3
    assert "You find what is not safe and help others stay safe." in english
    assert "你找出不安全的地方，帮大家注意安全。" in chinese
    assert "民情观察员" in chinese
    assert "我发现了…" in chinese and "What did you notice?" not in chinese


def test_the_area_of_the_childs_sub_team_is_chosen_for_them(client, pipe):
    sub_team = SubTeamFactory(focus_area=pipe.focus_area)
    MembershipFactory(child=pipe.child, sub_team=sub_team)
    client.force_login(pipe.child_user)

    page = client.get(url("suggestion_new")).text

    assert checked(page, "focus_area") == [str(pipe.focus_area.pk)]
    assert "Your sub-team's area is already chosen" in page
    assert checked(page, "role") == [], "a role is the child's own choice"


def test_a_draft_needs_only_a_title_and_goes_to_its_page(client, pipe):
    client.force_login(pipe.child_user)

    response = client.post(url("suggestion_new"), {"title": "楼道灯太暗", "save": "1"})

    draft = Suggestion.objects.get()
    assert draft.state == State.DRAFT
    assert response["Location"] == url("suggestion_detail", pk=draft.pk)


def test_sending_with_steps_missing_keeps_every_field_and_says_what_to_change(client, pipe):
    client.force_login(pipe.child_user)
    typed = {"title": TYPED["title"], "noticed": TYPED["noticed"], "place": TYPED["place"]}

    response = client.post(url("suggestion_new"), {**typed, "submit": "1"})

    page = response.text
    assert response.status_code == 200
    assert not Suggestion.objects.exists()
    for value in typed.values():
        assert value in page
    assert "Everything you wrote is still here." in page
    assert '<a href="#step-proposal">Step 2: What is your idea?</a>' in page
    assert '<a href="#step-area">Step 5: What is it about?</a>' in page
    assert '<a href="#step-role">Step 6: Your role</a>' in page
    assert "Step 1:" not in page and "Step 3:" not in page
    assert "Write your idea, then send it again." in page
    assert "Choose what it is about, then send it again." in page
    assert "Choose your role, then send it again." in page


def test_the_choices_made_are_kept_when_something_else_is_missing(client, pipe):
    client.force_login(pipe.child_user)

    page = client.post(url("suggestion_new"), {**complete(pipe, place=""), "submit": "1"}).text

    assert checked(page, "focus_area") == [str(pipe.focus_area.pk)]
    assert checked(page, "role") == ["safety_promoter"]
    assert "Write where it is or choose a place above, then send it again." in page


def test_a_file_that_is_not_a_photo_is_refused_and_every_word_is_kept(client, pipe):
    client.force_login(pipe.child_user)
    fake = SimpleUploadedFile("photo.png", b"not an image", content_type="image/png")

    response = client.post(url("suggestion_new"), {**complete(pipe), "photo": fake, "submit": "1"})

    page = response.text
    assert not Suggestion.objects.exists()
    assert "This file is not a photo" in page
    assert "Choose another photo, or send it without one." in page
    for value in TYPED.values():
        assert value in page
    assert checked(page, "role") == ["safety_promoter"]


def test_a_photo_too_big_is_refused_with_the_limit_and_every_word_is_kept(client, pipe, settings):
    settings.SUGGESTIONS_PHOTO_MAX_BYTES = 1000
    client.force_login(pipe.child_user)
    big = SimpleUploadedFile("p.jpg", photo_bytes(size=(400, 400)), content_type="image/jpeg")

    page = client.post(url("suggestion_new"), {**complete(pipe), "photo": big, "submit": "1"}).text

    assert "The photo is too big" in page
    assert "choose a photo of 1000\xa0bytes or less" in page, "the limit is said before choosing"
    for value in TYPED.values():
        assert value in page


def test_an_ordinary_phone_photo_is_taken_and_only_one_over_15_mb_is_refused(
    client, pipe, settings, tmp_path
):
    import io
    import os

    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    megabyte = 1024 * 1024
    limit, chunked = settings.SUGGESTIONS_PHOTO_MAX_BYTES, settings.CHUNKED_BODY_MAX_BYTES
    assert limit == 15 * megabyte
    # A request sent in chunks is refused past this: the form's words come with the photo.
    assert chunked >= limit + megabyte
    client.force_login(pipe.child_user)
    out = io.BytesIO()
    Image.frombytes("RGB", (1600, 1200), os.urandom(1600 * 1200 * 3)).save(out, format="PNG")
    assert out.tell() > 5 * megabyte  # what the old limit refused
    phone_photo = SimpleUploadedFile("IMG_0001.png", out.getvalue(), content_type="image/png")

    client.post(url("suggestion_new"), {**complete(pipe), "photo": phone_photo, "submit": "1"})

    assert Suggestion.objects.get().photo
    too_big = b"\xff\xd8" + b"\0" * (15 * megabyte - 1)
    page = client.post(
        url("suggestion_new", "zh-hans"),
        {**complete(pipe), "photo": SimpleUploadedFile("big.jpg", too_big), "submit": "1"},
    ).text
    assert "照片太大" in page and "请选一张不超过 15\xa0MB 的照片" in page
    assert "可以不放照片。放的话，选一张不超过 15\xa0MB 的照片。" in page
    assert Suggestion.objects.count() == 1


def test_a_good_photo_sent_with_a_missing_step_must_be_chosen_again(client, pipe):
    client.force_login(pipe.child_user)
    photo = SimpleUploadedFile("p.jpg", photo_bytes(), content_type="image/jpeg")

    page = client.post(
        url("suggestion_new", "zh-hans"),
        {**complete(pipe, place=""), "photo": photo, "submit": "1"},
    ).text

    assert "请重新选择照片" in page
    assert TYPED["noticed"] in page


def test_a_refused_photo_leaves_the_earlier_photo_and_says_so(client, pipe, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(pipe.child_user)
    good = SimpleUploadedFile("p.jpg", photo_bytes(), content_type="image/jpeg")
    client.post(url("suggestion_new"), {**complete(pipe), "photo": good, "save": "1"})
    draft = Suggestion.objects.get()
    stored = draft.photo.name
    bad = SimpleUploadedFile("q.png", b"not an image", content_type="image/png")

    page = client.post(
        url("suggestion_edit", pk=draft.pk),
        {
            **complete(pipe, title="楼道灯太暗了"),
            "photo": bad,
            "version": draft.version,
            "save": "1",
        },
    ).text

    draft.refresh_from_db()
    assert draft.photo.name == stored
    assert draft.title == "楼道灯太暗"
    assert "楼道灯太暗了" in page
    assert "Choose another photo, or keep the one you have." in page
    assert url("suggestion_photo", pk=draft.pk) in page


def test_a_stored_photo_can_be_removed(client, pipe, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(pipe.child_user)
    good = SimpleUploadedFile("p.jpg", photo_bytes(), content_type="image/jpeg")
    client.post(url("suggestion_new"), {**complete(pipe), "photo": good, "save": "1"})
    draft = Suggestion.objects.get()

    edit = client.get(url("suggestion_edit", pk=draft.pk)).text
    assert "Remove this photo" in edit
    client.post(
        url("suggestion_edit", pk=draft.pk),
        {**complete(pipe), "photo-clear": "on", "version": draft.version, "save": "1"},
    )

    draft.refresh_from_db()
    assert not draft.photo


def test_after_sending_a_page_says_what_happens_next_and_when(client, pipe):
    StageDeadline.objects.update_or_create(stage="school", defaults={"days": 5})
    client.force_login(pipe.child_user)

    response = client.post(url("suggestion_new"), {**complete(pipe), "submit": "1"}, follow=True)

    suggestion = Suggestion.objects.get()
    assert response.redirect_chain == [(url("suggestion_sent", pk=suggestion.pk), 302)]
    page = response.text
    assert "Sent! Thank you." in page
    assert f"{pipe.school.name} reads it within 5 days." in page
    assert "it has 14 days to look at it" in page
    assert "a city department answers within 30 days" in page
    assert "you get a notification" in page
    assert f'href="{url("suggestion_detail", pk=suggestion.pk)}"' in page
    assert f'href="{url("notifications")}"' in page


def test_the_sent_page_speaks_chinese(client, pipe):
    client.force_login(pipe.child_user)
    client.post(url("suggestion_new"), {**complete(pipe), "submit": "1"})
    suggestion = Suggestion.objects.get()

    page = client.get(url("suggestion_sent", "zh-hans", pk=suggestion.pk)).text

    assert "发送成功！谢谢你。" in page
    assert f"{pipe.school.name}会在 7 天内看你的建议。" in page
    assert "reads it" not in page


def test_a_resent_returned_suggestion_also_lands_on_the_sent_page(client, pipe):
    from suggestions.services import suggestion_transition
    from tests.suggestions.factories import route_pending

    suggestion = pipe.draft()
    suggestion_transition(suggestion=suggestion, action="submit", user=pipe.child_user)
    route_pending()
    suggestion_transition(
        suggestion=suggestion, action="return", user=pipe.school_staff, note="在哪一幢？"
    )
    suggestion.refresh_from_db()
    client.force_login(pipe.child_user)

    response = client.post(
        url("suggestion_edit", pk=suggestion.pk),
        {**complete(pipe), "submit": "1", "version": suggestion.version},
    )

    assert response["Location"] == url("suggestion_sent", pk=suggestion.pk)


def test_the_sent_page_of_a_draft_is_its_page_and_only_the_child_sees_it(client, pipe):
    draft = pipe.draft()
    client.force_login(pipe.child_user)
    assert client.get(url("suggestion_sent", pk=draft.pk))["Location"] == url(
        "suggestion_detail", pk=draft.pk
    )

    for other in (pipe.school_staff, pipe.other_department_staff, pipe.admin):
        client.force_login(other)
        assert client.get(url("suggestion_sent", pk=draft.pk)).status_code == 403


# Session, user, the child (or the suggestion and its child), unread notifications, then: the
# sub-team's area and the focus areas (new), the focus areas (edit), the deadlines and the
# school (sent). However many focus areas there are. The form's "where" step adds the school's
# known place and the districts (the places near it: tests/suggestions/test_where.py).
QUERIES = {"new": 8, "edit": 8, "sent": 7}


def test_the_form_and_sent_pages_take_a_fixed_number_of_queries(
    client, pipe, django_assert_num_queries
):
    sub_team = SubTeamFactory(focus_area=pipe.focus_area)
    MembershipFactory(child=pipe.child, sub_team=sub_team)
    FocusAreaFactory.create_batch(5)
    draft = pipe.draft()
    client.force_login(pipe.child_user)
    client.post(url("suggestion_new"), {**complete(pipe), "submit": "1"})
    sent = Suggestion.objects.exclude(pk=draft.pk).get()
    client.get(url("suggestion_new"))  # the session's first look fills its caches

    with django_assert_num_queries(QUERIES["new"]):
        client.get(url("suggestion_new"))
    with django_assert_num_queries(QUERIES["edit"]):
        client.get(url("suggestion_edit", pk=draft.pk))
    with django_assert_num_queries(QUERIES["sent"]):
        client.get(url("suggestion_sent", pk=sent.pk))


def test_a_new_photo_lost_to_another_mistake_leaves_the_earlier_one(
    client, pipe, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(pipe.child_user)
    first = SimpleUploadedFile("p.jpg", photo_bytes(), content_type="image/jpeg")
    client.post(url("suggestion_new"), {**complete(pipe), "photo": first, "save": "1"})
    draft = Suggestion.objects.get()
    second = SimpleUploadedFile("q.jpg", photo_bytes(size=(50, 50)), content_type="image/jpeg")

    page = client.post(
        url("suggestion_edit", pk=draft.pk),
        {**complete(pipe, place=""), "photo": second, "version": draft.version, "submit": "1"},
    ).text

    assert "Choose the photo again" in page
    assert "Your earlier photo is still saved." in page


def test_the_child_reads_one_word_for_sending_it_everywhere(client, pipe):
    """The form's button says 发送: the pages around it do not switch to 提交."""
    client.force_login(pipe.child_user)

    saved = client.post(
        url("suggestion_new", "zh-hans"), {**complete(pipe), "save": "1"}, follow=True
    )
    suggestion = Suggestion.objects.get()
    journey = client.get(url("suggestion_detail", "zh-hans", pk=suggestion.pk)).text

    assert "已保存为草稿。准备好了再发送。" in saved.text
    assert "修改或发送" in journey and "还没有发送。准备好了再发送。" in journey
    for page in (saved.text, journey):
        main = page.split("<main", 1)[1].split("</main>", 1)[0]
        assert "提交" not in main


def test_an_empty_form_is_not_told_that_what_was_written_is_still_there(client, pipe):
    client.force_login(pipe.child_user)
    new = url("suggestion_new", "zh-hans")

    empty = client.post(new, {"save": "1"}).text
    typed = client.post(new, {"noticed": TYPED["noticed"], "save": "1"}).text

    assert "还什么都没写呢。从下面标出的步骤开始吧：存草稿写个标题就够了。" in empty
    assert "你写的内容都还在" not in empty
    assert "你写的内容都还在" in typed
    assert not Suggestion.objects.exists()
