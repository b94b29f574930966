"""Issue 19's "done when", in chromium on a phone: a child of a Binjiang school finds West
Lake's Taiziwan Park as they type and sends their suggestion about it; the router gives it to
Xihu's department, not Binjiang's; Xihu's staff read why on its page; once it is done, the
public page lists it under Xihu District."""

import re

import pytest
from playwright.sync_api import expect

from suggestions.models import Suggestion
from suggestions.workflow import State
from tests.suggestions.factories import route_pending
from tests.suggestions.test_place_correction import World, act
from tests.suggestions.test_services import outcome

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_a_problem_in_another_district_reaches_that_districts_department(portal):
    world = World()
    page = portal.page
    page.set_viewport_size(PHONE)
    portal.log_in_as(world.child_user)
    portal.goto("/en/suggestions/new/")

    page.get_by_label("What I noticed").fill("The slide in the park has a hole.")
    page.get_by_label("Title").fill("The broken slide")
    page.get_by_label("What I suggest").fill("Mend the slide before the holidays.")
    page.get_by_label("Or find it by its name").fill("tzw")
    page.get_by_label(re.compile("太子湾公园")).check()
    page.get_by_label(world.focus_area.name_en).check()
    page.get_by_label("Safety promoter").check()
    page.get_by_role("button", name="Send it").click()
    expect(page.get_by_role("heading", name="Sent! Thank you.")).to_be_visible()

    suggestion = Suggestion.objects.get()
    assert (suggestion.known_place, suggestion.division) == (world.park, world.xihu_street)
    route_pending()  # what the worker does, if the task sent after the commit has not yet
    act(suggestion, "collect", world.school_staff)
    route_pending()
    act(suggestion, "forward", world.community_staff)
    route_pending()
    suggestion.refresh_from_db()
    # The child's school is in Binjiang; the park is in Xihu: Xihu's department has it.
    assert (suggestion.state, suggestion.owner) == (State.AT_DEPARTMENT, world.xihu_department)

    page.context.clear_cookies()
    portal.log_in_as(world.xihu_staff)
    portal.goto(f"/en/suggestions/{suggestion.pk}/")
    expect(page.locator("ol.timeline")).to_contain_text(
        re.compile(r"Routed to Xihu Bureau because the place is in Xihu District")
    )
    portal.goto(f"/suggestions/{suggestion.pk}/")
    expect(page.locator("ol.timeline")).to_contain_text("因为地点在西湖区")

    act(suggestion, "accept", world.xihu_staff, planned_on=suggestion.due_at.date())
    act(suggestion, "mark_implemented", world.xihu_staff, outcome=outcome())
    page.context.clear_cookies()
    portal.goto(f"/en/you-said-we-did/?district={world.xihu.pk}")
    expect(page.get_by_role("heading", name="The broken slide")).to_be_visible()
    expect(page.locator("article", has_text="The broken slide")).to_contain_text(
        "Xihu District · Xihu Subdistrict"
    )
    portal.goto(f"/en/you-said-we-did/?district={world.binjiang.pk}")
    expect(page.get_by_role("heading", name="The broken slide")).to_have_count(0)
    assert portal.foreign_requests() == []
