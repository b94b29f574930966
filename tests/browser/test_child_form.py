"""A child on a phone writes a suggestion in the form's steps and sends it (issue 18, item 2)."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from suggestions.models import Suggestion
from suggestions.workflow import State
from tests.browser.helpers import Counted, a_png
from tests.groups.factories import FocusAreaFactory, MembershipFactory, SubTeamFactory
from tests.suggestions.factories import Pipeline

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 667}
# What a child does from the empty form to the page that says it was sent: four things to
# write, and at most a photo, a role and "Send it" to tap (the area is their sub-team's).
MOST_FILLS = 4
MOST_TAPS = 3


@pytest.fixture
def pipe(portal):
    pipe = Pipeline()
    pipe.focus_area.code = "transport"
    pipe.focus_area.save()
    FocusAreaFactory(code="parks", name="公园绿地", name_en="Parks and green space")
    MembershipFactory(child=pipe.child, sub_team=SubTeamFactory(focus_area=pipe.focus_area))
    portal.log_in_as(pipe.child_user)
    portal.page.set_viewport_size(PHONE)
    return pipe


def test_a_child_on_a_phone_sends_a_suggestion_with_a_photo_in_a_few_steps(
    portal, pipe, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    page = portal.page
    child = Counted(page)
    portal.goto("/en/suggestions/new/")

    child.fill(page.get_by_label("What I noticed"), "At home time many cars stop at our gate.")
    child.fill(page.get_by_label("Title"), "Too many cars at our gate")
    child.fill(page.get_by_label("What I suggest"), "Paint a zebra crossing.")
    child.fill(page.get_by_label("Where"), "The south gate of our school")
    child.choose_file(page.get_by_label("Choose a photo"), a_png())
    expect(page.get_by_label("Transport")).to_be_checked()  # their sub-team's area
    # A tap anywhere on a card chooses it, not only on its small round button.
    child.tap(page.get_by_text("You find what is not safe and help others stay safe."))
    expect(page.get_by_label("Safety promoter")).to_be_checked()
    child.tap(page.get_by_role("button", name="Send it"))

    expect(page.get_by_role("heading", name="Sent! Thank you.")).to_be_visible()
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    expect(page.get_by_text(f"{pipe.school.name} reads it within 7 days.")).to_be_visible()
    suggestion = Suggestion.objects.get()
    assert page.url.endswith(f"/en/suggestions/{suggestion.pk}/sent/")
    assert suggestion.state != State.DRAFT
    assert (suggestion.place, suggestion.role) == (
        "The south gate of our school",
        "safety_promoter",
    )
    assert suggestion.photo
    assert child.fills <= MOST_FILLS and child.taps <= MOST_TAPS
    assert not portal.overflows_sideways()
    page.get_by_role("link", name="Follow your suggestion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many cars at our gate")


def test_a_missing_step_keeps_what_was_typed_and_asks_for_the_photo_again(portal, pipe):
    page = portal.page
    portal.goto("/suggestions/new/")
    page.get_by_label("我观察到的").fill("放学时车很多。")
    page.get_by_label("标题").fill("校门口车太多")
    page.get_by_label("选一张照片").set_input_files(a_png())
    page.get_by_role("button", name="发送").click()

    expect(page.get_by_role("alert")).to_contain_text("你写的内容都还在")
    expect(page.get_by_label("我观察到的")).to_have_value("放学时车很多。")
    expect(page.get_by_label("标题")).to_have_value("校门口车太多")
    expect(page.get_by_text("请重新选择照片")).to_be_visible()
    page.get_by_role("link", name="第 3 步：在哪里？").click()
    expect(page.get_by_label("说说具体在哪儿")).to_be_in_viewport()
    assert not Suggestion.objects.exists()


def test_the_form_and_the_sent_page_are_accessible_in_both_languages_and_fit_a_phone(portal, pipe):
    draft = pipe.draft()
    sent = pipe.draft(title="已发送", submitted_at=timezone.now(), state=State.SUBMITTED)

    assert portal.problems("/suggestions/new/") == []
    assert portal.problems(f"/suggestions/{draft.pk}/edit/") == []
    assert portal.problems(f"/suggestions/{sent.pk}/sent/") == []


def test_a_photo_over_the_limit_is_said_at_once_and_another_can_be_chosen(portal, pipe):
    page = portal.page
    portal.goto("/en/suggestions/new/")
    photo = page.get_by_label("Choose a photo")
    over = b"\xff\xd8" + b"\0" * (15 * 1024 * 1024 - 1)

    photo.set_input_files({"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": over})

    said = page.locator(".photo-field [role=alert]")
    expect(said).to_be_visible()
    expect(said).to_contain_text("This photo is too big. Choose one of 15")
    assert photo.evaluate("input => input.files.length") == 0, "let go of before sending"
    expect(page.get_by_text("No photo chosen yet.")).to_be_visible()
    photo.set_input_files(a_png())
    expect(said).to_be_hidden()
    expect(page.get_by_text("Your photo: gate.png")).to_be_visible()
