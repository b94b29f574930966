"""“Me too” in the browser: a child opens a schoolmate's suggestion, adds their voice with a
line of their own, and the department that has it sees how many children it speaks for."""

import pytest
from playwright.sync_api import expect

from suggestions.models import Voice
from suggestions.workflow import State
from tests.suggestions.factories import Pipeline
from tests.suggestions.test_services import at
from tests.suggestions.test_voices import a_child

pytestmark = pytest.mark.browser


@pytest.fixture
def pipe(portal):
    pipe = Pipeline()
    pipe.suggestion = at(pipe, State.AT_DEPARTMENT)
    pipe.peer = a_child(pipe.school, "小青蛙")
    return pipe


def test_a_child_says_me_too_and_the_department_sees_two_children(portal, pipe):
    path = f"/suggestions/{pipe.suggestion.pk}/"
    portal.log_in_as(pipe.peer.user)
    assert portal.problems(path) == []

    page = portal.page
    portal.goto(path)
    page.get_by_label("我想补充…").fill("我每天上学也从这里过")
    page.get_by_role("button", name="我也发现了！").click()

    expect(page.get_by_text("谢谢你！")).to_be_visible()
    expect(page.get_by_text("我每天上学也从这里过").first).to_be_visible()
    assert Voice.objects.get(suggestion=pipe.suggestion).child == pipe.peer
    # After: the "take it back" button, and the child's own list with what they supported.
    assert portal.problems(path) == []
    assert portal.problems("/suggestions/") == []

    portal.log_in_as(pipe.department_staff)
    portal.goto("/inbox/")
    expect(page.get_by_text("2 个小朋友，来自 1 所学校")).to_be_visible()
    assert portal.problems("/inbox/") == []
    assert portal.problems(path) == []
