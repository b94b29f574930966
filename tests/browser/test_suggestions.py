import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from groups.models import User
from suggestions.models import Suggestion
from tests.helpers import read_without_writing, wait_for

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(read_only_demo):
    return read_only_demo


def _pages():
    child_suggestion = read_without_writing(
        Suggestion.objects.filter(child__user__username="child"), "child"
    ).first()
    at_department = read_without_writing(
        Suggestion.objects.filter(owner__staff__user__username="department", state="at_department"),
        "department",
    ).first()
    return {
        "my suggestions": ("child", "/suggestions/"),
        "new suggestion": ("child", "/suggestions/new/"),
        "suggestion, child": ("child", f"/suggestions/{child_suggestion.pk}/"),
        "guardian's children's suggestions": ("guardian", "/suggestions/"),
        "inbox, school": ("school", "/inbox/"),
        "inbox, department": ("department", "/inbox/?overdue=yes"),
        "suggestion, department": ("department", f"/suggestions/{at_department.pk}/"),
        # The form that corrects the place, open with what a search for 西湖 found.
        "suggestion, department, place search": (
            "department",
            f"/suggestions/{at_department.pk}/?where=%E8%A5%BF%E6%B9%96#place",
        ),
        "notifications": ("child", "/notifications/"),
        "you said, we did": (None, "/you-said-we-did/"),
    }


PAGE_NAMES = [
    "my suggestions",
    "new suggestion",
    "suggestion, child",
    "guardian's children's suggestions",
    "inbox, school",
    "inbox, department",
    "suggestion, department",
    "suggestion, department, place search",
    "notifications",
    "you said, we did",
]


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_every_suggestions_page_is_accessible_in_both_languages_and_fits_a_phone(demo, name):
    username, path = _pages()[name]
    if username:
        demo.log_in_as(User.objects.get(username=username))

    assert demo.problems(path) == []


def _log_in(portal, user):
    portal.log_in_as(user)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.worker
def test_the_whole_journey_with_a_real_worker(portal, celery_worker_process):
    """A child submits through the form; the worker routes it to the school; the school
    collects; the community forwards; the department accepts and marks it implemented; the
    child reads the answer."""
    from tests.suggestions.factories import Pipeline

    pipe = Pipeline()
    page = portal.page

    portal.log_in_as(pipe.child_user)
    portal.goto("/en/suggestions/new/")
    page.get_by_label("Title").fill("Our school gate needs a zebra crossing")
    page.get_by_label("What I noticed").fill("Many cars at home time.")
    page.get_by_label("What I suggest").fill("Paint a zebra crossing and have a crossing guard.")
    page.get_by_label("Where").fill("South gate")
    page.get_by_label("Transport").check()
    page.get_by_label("Safety promoter").check()
    page.get_by_role("button", name="Send it").click()
    expect(page.get_by_role("heading", name="Sent! Thank you.")).to_be_visible()
    suggestion = Suggestion.objects.get()

    wait_for(lambda: Suggestion.objects.get(pk=suggestion.pk).state == "at_school")
    portal.goto(f"/en/suggestions/{suggestion.pk}/")
    expect(page.locator(".step-more")).to_contain_text(pipe.school.name)

    def act(user, action_label, fill=None, state=None):
        page.context.clear_cookies()
        portal.log_in_as(user)
        portal.goto("/en/inbox/")
        page.get_by_role("link", name="Our school gate needs a zebra crossing").click()
        page.locator("summary", has_text=action_label).click()
        if fill:
            fill()
        page.locator("form", has=page.locator(f"button:has-text('{action_label}')")).locator(
            "button[type=submit]"
        ).click()
        expect(page.get_by_text("Done.")).to_be_visible()
        if state:
            wait_for(lambda: Suggestion.objects.get(pk=suggestion.pk).state == state)

    act(pipe.school_staff, "Collect and pass on to the community", state="at_community")
    act(pipe.community_staff, "Forward to a city department", state="at_department")
    act(
        pipe.department_staff,
        "Accept and plan",
        fill=lambda: page.get_by_label("Planned to finish by").fill(
            str(timezone.localdate().replace(year=timezone.localdate().year + 1))
        ),
        state="in_progress",
    )

    def outcome():
        page.get_by_label("What was done").fill("A zebra crossing and a children's parking lot.")
        page.get_by_label("Quantity").fill("1")
        page.get_by_label("Unit").fill("children's parking lot")
        page.get_by_label("Completed on").fill(str(timezone.localdate()))

    act(pipe.department_staff, "Mark as implemented", fill=outcome, state="implemented")

    page.context.clear_cookies()
    portal.log_in_as(pipe.child_user)
    portal.goto(f"/en/suggestions/{suggestion.pk}/")
    expect(page.get_by_role("heading", name="The answer")).to_be_visible()
    expect(page.locator(".answer")).to_contain_text(
        "A zebra crossing and a children's parking lot."
    )
    expect(page.locator("ol.timeline")).to_contain_text(re.compile("It arrived at .*"))
    assert portal.foreign_requests() == []


def test_a_second_click_on_send_while_the_first_is_on_its_way_writes_one_suggestion(portal):
    """The first answer is lost on its way back (a slow network, a double click): Chromium
    sends the form again, and the second gets the first's answer: one suggestion, and the child
    lands on the page that says it was sent."""
    from tests.suggestions.factories import Pipeline

    pipe = Pipeline()
    page = portal.page
    sent, lost = [], []

    def forward(route):
        if route.request.method != "POST":
            return route.continue_()
        sent.append(route.request.post_data_buffer)
        response = route.fetch(max_redirects=0)  # the portal answers each in full
        if len(sent) == 1:
            lost.append(route)  # never reaches the browser
        else:
            route.fulfill(response=response)

    page.route("**/suggestions/new/", forward)
    portal.log_in_as(pipe.child_user)
    portal.goto("/en/suggestions/new/")
    page.get_by_label("Title").fill("Our school gate needs a zebra crossing")
    page.get_by_label("What I noticed").fill("Many cars at home time.")
    page.get_by_label("What I suggest").fill("Paint a zebra crossing.")
    page.get_by_label("Where").fill("South gate")
    page.get_by_label("Transport").check()
    page.get_by_label("Safety promoter").check()
    # The child clicks again a second later, while the page still shows the form (a click
    # the page makes itself: Playwright's own would wait for the first navigation to end).
    page.evaluate(
        """() => {
          const send = document.querySelector("button[name=submit]");
          send.form.addEventListener("submit", () => {
            if (!send.dataset.clicked) setTimeout(() => send.click(), 1000);
            send.dataset.clicked = "yes";
          });
        }"""
    )
    page.get_by_role("button", name="Send it").click(no_wait_after=True)

    expect(page.get_by_role("heading", name="Sent! Thank you.")).to_be_visible()
    expect(page.get_by_text("Our school gate needs a zebra crossing")).to_be_visible()
    expect(page.get_by_text("This form was already sent")).to_be_visible()
    assert len(sent) == 2
    assert b'name="form_key"' in sent[1], "the key went with the form"
    assert Suggestion.objects.count() == 1
    assert page.url.endswith(f"/en/suggestions/{Suggestion.objects.get().pk}/sent/")


def test_a_department_sees_why_it_has_a_suggestion_and_sends_it_to_the_place_of_another(portal):
    """Issue 19: a child of a Binjiang school names no place, so Binjiang's department has it;
    it finds the place, West Lake's Taiziwan Park, and corrects it; the router gives it to
    Xihu's department, whose page says why."""
    from suggestions.workflow import State
    from tests.suggestions.factories import route_pending
    from tests.suggestions.test_place_correction import World, at

    world = World()
    suggestion = at(world, State.AT_DEPARTMENT)
    page = portal.page
    portal.log_in_as(world.binjiang_staff)
    portal.goto(f"/en/suggestions/{suggestion.pk}/")
    expect(page.locator("ol.timeline")).to_contain_text(
        "Routed to Binjiang Bureau because the child's school is in Binjiang District "
        "(no place given)."
    )

    page.locator("#place summary").click()
    page.get_by_label("Find a known place, district, street or community").fill("太子湾")
    page.get_by_role("button", name="Find").click()
    page.get_by_label(re.compile("太子湾公园")).check()
    page.get_by_label("Why you correct it").fill("The child wrote about Taiziwan Park.")
    page.locator("#place").get_by_role("button", name="Correct the place").click()

    expect(page.get_by_text("The new place belongs to another department")).to_be_visible()
    route_pending()  # if the task sent after the commit has not routed it yet
    suggestion.refresh_from_db()
    assert (suggestion.state, suggestion.owner) == (State.AT_DEPARTMENT, world.xihu_department)
    portal.log_in_as(world.xihu_staff)
    portal.goto(f"/en/suggestions/{suggestion.pk}/")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("Routed to Xihu Bureau because the place is in Xihu District.")
    expect(timeline).to_contain_text("The child wrote about Taiziwan Park.")
    assert portal.foreign_requests() == []
