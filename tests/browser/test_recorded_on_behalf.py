"""Issue 21's done-when, first half: a mentor enters three suggestions from a discussion for
two children and the group; each child sees them in their list, on a phone, and the pages pass
the axe check in both languages."""

import pytest
from playwright.sync_api import expect

from suggestions.models import Suggestion
from tests.suggestions.test_on_behalf import Scene

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}


def fill_row(page, index, scene, title, children=(), whole_group=False):
    prefix = f"#id_form-{index}-"
    page.locator(f"{prefix}title").fill(title)
    page.locator(f"{prefix}noticed").fill("晚上地下通道里很黑。")
    page.locator(f"{prefix}proposal").fill("装更亮的灯。")
    page.locator(f"{prefix}place").fill("文一路地下通道")
    page.locator(f"{prefix}focus_area").select_option(str(scene.focus_area.pk))
    for child in children:
        page.locator(f"{prefix}children").get_by_label(child.pseudonym, exact=True).check()
    if whole_group:
        page.locator(f"{prefix}whole_group").check()


def test_a_mentor_records_three_suggestions_and_each_child_sees_theirs(portal):
    scene = Scene()
    page = portal.page
    portal.log_in_as(scene.mentor)
    record_page = f"/activities/{scene.activity.pk}/suggestions/record/"
    assert portal.problems(record_page) == []

    page.set_viewport_size(PHONE)
    portal.goto(f"/en/activities/{scene.activity.pk}/")
    page.get_by_role("link", name="Record the children's suggestions").click()
    page.get_by_label("Where they came from").fill("Written on paper at the discussion of 12 May")
    page.get_by_label("Discussion topic").select_option(str(scene.topic.pk))
    fill_row(page, 0, scene, "The underpass is dark", children=[scene.a])
    fill_row(page, 1, scene, "A crossing at the north gate", children=[scene.a, scene.b])
    fill_row(page, 2, scene, "Benches in the pocket park", whole_group=True)
    page.get_by_role("button", name="Record and send them").click()

    expect(page.locator(".messages")).to_contain_text("3 suggestions are recorded")
    assert Suggestion.objects.count() == 3  # and on their way (routed at once here)

    expected = {
        scene.a: [
            "The underpass is dark",
            "A crossing at the north gate",
            "Benches in the pocket park",
        ],
        scene.b: ["A crossing at the north gate", "Benches in the pocket park"],
    }
    for child, titles in expected.items():
        page.context.clear_cookies()
        portal.log_in_as(child.user)
        page.set_viewport_size(PHONE)
        portal.goto("/en/suggestions/")
        main = page.get_by_role("main")
        for title in titles:
            expect(main).to_contain_text(title)
        if child == scene.b:
            expect(main).not_to_contain_text("The underpass is dark")
        assert portal.serious_accessibility_violations() == []
        assert not portal.overflows_sideways()
        # Its page says who recorded it and from what.
        main.get_by_role("link", name="A crossing at the north gate").click()
        expect(page.get_by_role("main")).to_contain_text(scene.activity.title)
        assert portal.problems(page.url.removeprefix(portal.base_url).removeprefix("/en")) == []
