"""A child on a phone, from the login page to a sent suggestion with a photo and a place, then
to the answer their community gave, in both languages; every tap and every fill of the child is
counted (issue 18, "Done when"). Run with `-s` to see the counts:

    .venv/bin/pytest tests/browser/test_child_journey_e2e.py -s -p no:cacheprovider
"""

import itertools

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from suggestions.models import Suggestion
from suggestions.workflow import State
from tests.browser.conftest import DESKTOP
from tests.browser.helpers import Counted, a_png
from tests.groups.factories import PASSWORD, MembershipFactory, SubTeamFactory
from tests.suggestions.factories import Pipeline

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# What the child reads and taps, in each language. The English child starts on the Chinese
# login page, as anyone who types the portal's address does, and switches the language there.
WORDS = {
    "zh": {
        "prefix": "",
        "log in": "登录",
        "write": "写一条新建议",
        "noticed": "我观察到的",
        "title": "标题",
        "proposal": "我的建议",
        "place": "说说具体在哪儿",
        "photo": "选一张照片",
        "area": "交通出行",
        "role line": "你找出不安全的地方，帮大家注意安全。",
        "role": "安全宣传员",
        "send": "发送",
        "sent": "发送成功！谢谢你。",
        "your answer": "有回复了",
        "the answer": "答复",
        "photo alt": "建议附带的照片",
    },
    "en": {
        "prefix": "/en",
        "switch": "English",
        "log in": "Log in",
        "write": "Write a new suggestion",
        "noticed": "What I noticed",
        "title": "Title",
        "proposal": "What I suggest",
        "place": "Where",
        "photo": "Choose a photo",
        "area": "Transport",
        "role line": "You find what is not safe and help others stay safe.",
        "role": "Safety promoter",
        "send": "Send it",
        "sent": "Sent! Thank you.",
        "your answer": "has an answer. Read it!",
        "the answer": "The answer",
        "photo alt": "The photo that came with the suggestion",
    },
}

# From the login page to "Sent!": the language (English only), log in, "write a new
# suggestion", the photo, the role card, "Send it"; the area is their sub-team's already.
# Two fills to log in and four to write: what they noticed, a title, their idea, the place.
MOST_TAPS_TO_SEND = 6
MOST_FILLS_TO_SEND = 6
# Back later, from the login page to the answer: log in, then the answer on their home.
MOST_TAPS_TO_THE_ANSWER = 2
MOST_FILLS_TO_THE_ANSWER = 2


def log_in(counted, user, words):
    page = counted.page
    counted.fill(page.locator("input[name=username]"), user.username)
    counted.fill(page.locator("input[name=password]"), PASSWORD)
    counted.tap(page.get_by_role("main").get_by_role("button", name=words["log in"]))


def staff_acts(browser, base_url, user, suggestion, action, fill=None):
    """A member of staff, at their desk, takes the suggestion one step on its real page."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{base_url}/en/accounts/login/")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    page.goto(f"{base_url}/en/suggestions/{suggestion.pk}/")
    page.locator("summary", has_text=action).click()
    if fill:
        fill(page)
    page.locator("form", has=page.locator(f"button:has-text('{action}')")).locator(
        "button[type=submit]"
    ).click()
    expect(page.get_by_text("Done.")).to_be_visible()
    context.close()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_child_on_a_phone_sends_a_suggestion_with_a_photo_and_reads_the_answer(
    portal, browser, tmp_path, settings, language
):
    settings.MEDIA_ROOT = tmp_path
    pipe = Pipeline()
    pipe.focus_area.code = "transport"
    pipe.focus_area.save()
    MembershipFactory(child=pipe.child, sub_team=SubTeamFactory(focus_area=pipe.focus_area))
    words = WORDS[language]
    page = portal.page
    page.set_viewport_size(PHONE)
    child = Counted(page)

    # The child sends a suggestion.
    portal.goto("/accounts/login/")
    if "switch" in words:
        child.tap(page.get_by_role("banner").get_by_role("button", name=words["switch"]))
    log_in(child, pipe.child_user, words)
    child.tap(page.get_by_role("button", name=words["write"]))  # a link that looks like one
    child.fill(page.get_by_label(words["noticed"]), "放学时很多车停在校门口。")
    child.fill(page.get_by_label(words["title"]), "校门口车太多")
    child.fill(page.get_by_label(words["proposal"]), "画一条斑马线。")
    child.fill(page.get_by_label(words["place"]), "学校南门")
    child.choose_file(page.get_by_label(words["photo"]), a_png())
    expect(page.get_by_label(words["area"])).to_be_checked()
    child.tap(page.get_by_text(words["role line"]))
    review = page.locator("[data-review]")
    for shown in ["校门口车太多", "学校南门", "gate.png", words["area"], words["role"]]:
        expect(review).to_contain_text(shown)
    child.tap(page.get_by_role("button", name=words["send"]))

    expect(page.get_by_role("heading", name=words["sent"])).to_be_visible()
    suggestion = Suggestion.objects.get()
    assert page.url.endswith(f"{words['prefix']}/suggestions/{suggestion.pk}/sent/")
    assert (suggestion.state, suggestion.place) == (State.AT_SCHOOL, "学校南门")
    assert suggestion.photo
    assert not portal.overflows_sideways()
    taps_to_send, fills_to_send = child.restart()
    page.context.clear_cookies()  # the child's session ends

    # The school passes it on; the community builds it and answers.
    staff_acts(
        browser, portal.base_url, pipe.school_staff, suggestion, "Collect and pass on to the"
    )

    def outcome(staff_page):
        staff_page.get_by_label("What was done").fill("南门画好了斑马线。")
        staff_page.get_by_label("Completed on").fill(str(timezone.localdate()))

    staff_acts(
        browser,
        portal.base_url,
        pipe.community_staff,
        suggestion,
        "Resolve in the community",
        fill=outcome,
    )
    suggestion.refresh_from_db()
    assert suggestion.state == State.IMPLEMENTED

    # The child comes back: the answer is the first thing on their home, and its page says it.
    portal.goto(f"{words['prefix']}/accounts/login/")
    log_in(child, pipe.child_user, words)
    answer = page.locator(".todo-answer")
    expect(answer).to_contain_text("校门口车太多")
    expect(answer).to_contain_text(words["your answer"])
    child.tap(answer.get_by_role("link"))

    expect(page.get_by_role("heading", level=1)).to_have_text("校门口车太多")
    expect(page.locator(".answer")).to_contain_text(words["the answer"])
    expect(page.locator(".answer")).to_contain_text("南门画好了斑马线。")
    expect(page.get_by_role("img", name=words["photo alt"])).to_be_visible()
    expect(page.get_by_text("学校南门")).to_be_visible()
    assert not portal.overflows_sideways()
    taps_to_answer, fills_to_answer = child.restart()
    portal.goto(f"{words['prefix']}/")
    expect(page.locator(".todo-answer")).to_have_count(0)  # read now

    print(
        f"\n[{language}] to send: {taps_to_send} taps, {fills_to_send} fills;"
        f" to the answer: {taps_to_answer} taps, {fills_to_answer} fills"
    )
    assert taps_to_send <= MOST_TAPS_TO_SEND and fills_to_send <= MOST_FILLS_TO_SEND
    assert taps_to_answer <= MOST_TAPS_TO_THE_ANSWER
    assert fills_to_answer <= MOST_FILLS_TO_THE_ANSWER
    assert portal.foreign_requests() == []


def test_without_javascript_the_review_leads_back_to_each_step_and_the_form_still_sends(
    portal, browser, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    pipe = Pipeline()
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    portal.page = page = context.new_page()
    portal.log_in_as(pipe.child_user)
    portal.goto("/en/suggestions/new/")

    expect(page.locator("[data-review]")).to_be_hidden()
    page.get_by_role("link", name="3. Where is it?").click()
    expect(page.get_by_label("Where")).to_be_in_viewport()
    page.get_by_label("What I noticed").fill("Cars at the gate.")
    page.get_by_label("Title").fill("Cars at the gate")
    page.get_by_label("What I suggest").fill("A zebra crossing.")
    page.get_by_label("Where").fill("The south gate")
    page.get_by_label("Choose a photo").set_input_files(a_png())
    page.locator(f"input[name=focus_area][value='{pipe.focus_area.pk}']").check()
    page.get_by_text("You find what is not safe and help others stay safe.").click()
    page.get_by_role("button", name="Send it").click()

    expect(page.get_by_role("heading", name="Sent! Thank you.")).to_be_visible()
    assert Suggestion.objects.get().photo
    context.close()


def test_the_photo_button_takes_the_keyboard_and_says_the_chosen_photo(portal):
    pipe = Pipeline()
    portal.log_in_as(pipe.child_user)
    page = portal.page
    page.set_viewport_size(PHONE)
    portal.goto("/en/suggestions/new/")
    page.get_by_label("Where").focus()

    page.keyboard.press("Tab")

    photo = page.get_by_label("Choose a photo")
    expect(photo).to_be_focused()
    button = page.locator("label.file-button")
    assert button.evaluate("b => getComputedStyle(b).outlineStyle") == "solid"
    assert button.bounding_box()["height"] >= 44
    expect(page.get_by_text("No photo chosen yet.")).to_be_visible()
    photo.set_input_files(a_png())
    expect(page.get_by_text("Your photo: gate.png")).to_be_visible()
    # The brand stays one line on this phone, in English too.
    brand = page.get_by_role("banner").get_by_role("link", name="Child Observers")
    assert brand.locator(".short").bounding_box()["height"] < 1.5 * 16 * 1.2


def test_without_javascript_the_way_back_to_each_step_is_a_column_of_big_links(portal, browser):
    pipe = Pipeline()
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    portal.page = page = context.new_page()
    portal.log_in_as(pipe.child_user)
    portal.goto("/en/suggestions/new/")

    links = page.locator("nav.review-steps a")
    boxes = [links.nth(n).bounding_box() for n in range(links.count())]

    assert len(boxes) >= 6
    form = page.locator("form.child-form").bounding_box()
    for box, below in itertools.pairwise(boxes):
        assert box["height"] >= 44
        assert below["y"] >= box["y"] + box["height"] - 0.5, "one link under the other"
    assert boxes[-1]["height"] >= 44
    assert all(box["x"] >= form["x"] for box in boxes), "the list stays inside the form"
    context.close()
