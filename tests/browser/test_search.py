"""Similar suggestions while a child writes, and the search page (issue 21, item 3 and 5), in a
browser: on a phone the list comes as the child types, and both pages pass axe."""

import pytest
from playwright.sync_api import expect

from suggestions.workflow import State
from tests.browser.conftest import DESKTOP
from tests.browser.test_child_pages_axe import PHONE, problems
from tests.groups.factories import ChildFactory, MembershipFactory, SubTeamFactory
from tests.suggestions.factories import Pipeline, SuggestionFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def pipe(portal):
    """A child writing; another school's child whose suggestion about the same underpass was
    done."""
    pipe = Pipeline()
    MembershipFactory(child=pipe.child, sub_team=SubTeamFactory(focus_area=pipe.focus_area))
    pipe.done = SuggestionFactory(
        child=ChildFactory(), title="地下通道晚上太黑了", state=State.IMPLEMENTED
    )
    return pipe


def test_a_child_on_a_phone_sees_a_similar_suggestion_while_typing_its_title(portal, pipe):
    portal.log_in_as(pipe.child_user)
    page = portal.page
    page.set_viewport_size(PHONE)
    portal.goto("/suggestions/new/")
    expect(page.get_by_role("heading", name="看看别人是不是也发现了")).to_be_visible()

    page.get_by_label("标题").press_sequentially("地下通道好黑", delay=30)

    similar = page.locator("#similar-results")
    expect(similar.get_by_role("link", name=pipe.done.title)).to_be_visible()
    expect(similar).to_contain_text("也许别人已经发现了")
    assert not portal.overflows_sideways()
    assert portal.foreign_requests() == []


def test_without_javascript_the_button_brings_the_same_list(portal, browser, pipe):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    portal.page = page = context.new_page()
    portal.log_in_as(pipe.child_user)
    portal.goto("/suggestions/new/")
    page.get_by_label("标题").fill("地下通道好黑")
    page.get_by_role("button", name="找找相似的建议").click()
    expect(page.get_by_role("link", name=pipe.done.title)).to_be_visible()
    expect(page.get_by_label("标题")).to_have_value("地下通道好黑")
    context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_search_page_has_no_serious_accessibility_problem(portal, pipe, viewport):
    portal.log_in_as(pipe.child_user)
    found = problems(portal, viewport, "/suggestions/search/")
    found += problems(portal, viewport, "/suggestions/search/?q=地下通道")
    found += problems(portal, viewport, "/suggestions/search/?q=%3C%3E")
    portal.log_in_as(pipe.school_staff)
    found += problems(portal, viewport, "/suggestions/search/?q=dark")
    assert found == []
