"""The demo carries a suggestion of every focus area from the child to the department that
builds it, in the browser, with the demo's own logins (issue 15, item 5)."""

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from groups.demo import DEMO_PASSWORD
from groups.models import FocusArea, StaffMember
from suggestions.models import Suggestion

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(portal):
    call_command("seed_demo")
    return portal


def log_in_with_the_form(portal, username):
    """As a person of the demo would: the login form, with the password make run prints."""
    page = portal.page
    page.context.clear_cookies()
    portal.goto("/en/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def act(portal, suggestion, action_label, fill=None):
    page = portal.page
    portal.goto(f"/en/suggestions/{suggestion.pk}/")
    page.locator("summary", has_text=action_label).click()
    if fill:
        fill()
    page.locator("form", has=page.locator(f"button:has-text('{action_label}')")).locator(
        "button[type=submit]"
    ).click()
    expect(page.get_by_text("Done.")).to_be_visible()


def test_a_suggestion_of_each_focus_area_goes_from_the_child_to_its_department(demo):
    page = demo.page
    areas = list(FocusArea.objects.order_by("position", "pk"))
    assert len(areas) == 7
    next_year = timezone.localdate().replace(year=timezone.localdate().year + 1)

    for area in areas:
        title = f"{area.name_en}: an idea from the demo"
        log_in_with_the_form(demo, "child")
        demo.goto("/en/suggestions/new/")
        page.get_by_label("Title").fill(title)
        page.get_by_label("What I noticed").fill("Something in the way.")
        page.get_by_label("What I suggest").fill("Move it away.")
        page.get_by_label("Where").fill("The school's south gate")
        page.locator(f"input[name=focus_area][value='{area.pk}']").check()
        page.get_by_label("Safety promoter").check()
        page.get_by_role("button", name="Send it").click()
        expect(page.get_by_role("heading", name="Sent! Thank you.")).to_be_visible()
        suggestion = Suggestion.objects.get(title=title)
        assert suggestion.state == "at_school", area.code

        log_in_with_the_form(demo, "school")
        act(demo, suggestion, "Collect and pass on to the community")
        log_in_with_the_form(demo, "community")
        act(demo, suggestion, "Forward to a city department")

        suggestion.refresh_from_db()
        assert suggestion.state == "at_department", area.code
        department_login = (
            StaffMember.objects.filter(organisation=suggestion.owner)
            .values_list("user__username", flat=True)
            .first()
        )
        assert department_login, f"nobody can log in for {suggestion.owner}"
        log_in_with_the_form(demo, department_login)
        act(
            demo,
            suggestion,
            "Accept and plan",
            fill=lambda: page.get_by_label("Planned to finish by").fill(str(next_year)),
        )

        def outcome(area=area):
            page.get_by_label("What was done").fill(f"Done for {area.name_en}.")
            page.get_by_label("Completed on").fill(str(timezone.localdate()))

        act(demo, suggestion, "Mark as implemented", fill=outcome)

        log_in_with_the_form(demo, "child")
        demo.goto(f"/en/suggestions/{suggestion.pk}/")
        expect(page.locator(".answer")).to_contain_text(f"Done for {area.name_en}.")

    assert Suggestion.objects.filter(title__endswith="an idea from the demo").count() == 7
    assert set(
        Suggestion.objects.filter(title__endswith="an idea from the demo").values_list(
            "state", flat=True
        )
    ) == {"implemented"}
    assert demo.foreign_requests() == []
