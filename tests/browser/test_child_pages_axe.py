"""Every page issue 18 made or changed, as a child, a guardian and the programme office see it,
passes axe with no serious or critical violation on a phone and on a desktop, in both
languages, and fits the phone's width."""

import pytest

from suggestions import services
from suggestions.workflow import State
from tests.browser.conftest import DESKTOP
from tests.groups.factories import (
    AdminFactory,
    GuardianshipFactory,
    MembershipFactory,
    SubTeamFactory,
)
from tests.suggestions.factories import Pipeline
from tests.suggestions.test_services import act, at, outcome, refresh

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LANGUAGES = {"zh-hans": "", "en": "/en"}


@pytest.fixture
def pipe(portal):
    """A child with a sub-team and a guardian; one suggestion answered, one with progress
    reported, one at the school, one draft."""
    pipe = Pipeline()
    MembershipFactory(child=pipe.child, sub_team=SubTeamFactory(focus_area=pipe.focus_area))
    pipe.guardian = GuardianshipFactory(child=pipe.child).guardian.user
    answered = at(pipe, State.IN_PROGRESS)
    act(answered, "mark_implemented", pipe.department_staff, outcome=outcome())
    pipe.answered = refresh(answered)
    pipe.in_progress = at(pipe, State.IN_PROGRESS)
    services.suggestion_progress_update(
        suggestion=pipe.in_progress, user=pipe.department_staff, percent=40, note="图纸画好了。"
    )
    pipe.at_school = at(pipe, State.AT_SCHOOL)
    pipe.draft(title="还没写完")
    return pipe


def problems(portal, viewport, path, then=None):
    """What axe and the screen's width find wrong with the page, in both languages."""
    page = portal.page
    page.set_viewport_size(viewport)
    found = []
    for language, prefix in LANGUAGES.items():
        response = portal.goto(prefix + path)
        if then:
            then(page)
        where = f"{language} {path}{' (then)' if then else ''}"
        if response is None or response.status != 200:
            found.append(f"{where}: status {response and response.status}")
            continue
        found += [f"{where}: {v}" for v in portal.serious_accessibility_violations()]
        if viewport == PHONE and portal.overflows_sideways():
            found.append(f"{where}: the page is wider than the phone")
    return found


def send_empty(page):
    page.locator("button[name=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#problems").count() == 1


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_childs_and_guardians_pages_have_no_serious_accessibility_problem(
    portal, pipe, viewport
):
    portal.log_in_as(pipe.child_user)
    found = problems(portal, viewport, "/")
    found += problems(portal, viewport, "/suggestions/")
    found += problems(portal, viewport, "/suggestions/new/")
    found += problems(portal, viewport, "/suggestions/new/", then=send_empty)
    found += problems(portal, viewport, f"/suggestions/{pipe.at_school.pk}/sent/")
    found += problems(portal, viewport, f"/suggestions/{pipe.answered.pk}/")
    found += problems(portal, viewport, f"/suggestions/{pipe.in_progress.pk}/")

    portal.log_in_as(pipe.guardian)
    found += problems(portal, viewport, "/")
    found += problems(portal, viewport, "/suggestions/")
    found += problems(portal, viewport, "/notifications/")
    found += problems(portal, viewport, f"/suggestions/{pipe.answered.pk}/")

    portal.log_in_as(AdminFactory())
    found += problems(portal, viewport, "/design/")

    assert found == []
    assert portal.foreign_requests() == []
