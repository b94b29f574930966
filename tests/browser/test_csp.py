"""The pages under the Content-Security-Policy, in chromium: nothing is refused, the charts and
Swagger UI still draw, and axe still runs."""

import pytest
from django_celery_beat.models import CrontabSchedule
from playwright.sync_api import expect

from groups.models import User
from suggestions.models import Suggestion
from tests.helpers import read_without_writing

pytestmark = pytest.mark.browser

# Playwright runs this in every document before the page's own scripts, outside the page's
# policy, so it sees every refusal from the first byte on.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline"}`
    + ` (${event.sourceFile}:${event.lineNumber})`
  );
});
"""


class Watched:
    """The portal's page, with every Content-Security-Policy refusal it meets written down."""

    def __init__(self, portal):
        self.portal = portal
        self.page = portal.page
        self.refused = []
        self.page.add_init_script(RECORD_VIOLATIONS)
        self.page.on("console", self._console)

    def _console(self, message):
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            self.refused.append(f"console: {text}")

    def open(self, path):
        response = self.portal.goto(path)
        assert response is not None
        assert response.status == 200, f"{path}: status {response.status}"
        assert "script-src 'self'" in response.headers["content-security-policy"]
        self.page.wait_for_load_state("networkidle")
        return response

    def violations(self):
        """Every refusal so far: those the page saw, and those chromium logged."""
        seen = self.page.evaluate("window.cspViolations || []")
        return [f"{self.page.url}: {v}" for v in seen] + self.refused

    def charts_drawn(self):
        return self.page.evaluate(
            """() => {
              const canvases = [...document.querySelectorAll("canvas[data-chart]")];
              return canvases.length > 0
                && typeof Chart !== "undefined"
                && canvases.every((canvas) => Chart.getChart(canvas) !== undefined);
            }"""
        )


@pytest.fixture
def watched(read_only_demo):
    return Watched(read_only_demo)


def test_the_public_pages_and_their_charts_work_under_the_policy(watched):
    watched.open("/")
    watched.open("/figures/?year=2026")

    assert watched.charts_drawn()
    assert watched.violations() == []


def test_a_childs_suggestion_form_works_under_the_policy(watched):
    watched.portal.log_in_as(User.objects.get(username="child"))
    watched.open("/suggestions/new/")
    suggestion = read_without_writing(
        Suggestion.objects.filter(child__user__username="child"), "child"
    ).first()
    watched.open(f"/suggestions/{suggestion.pk}/")

    assert watched.violations() == []


def test_the_reports_dashboard_draws_its_charts_under_the_policy(watched):
    watched.portal.log_in_as(User.objects.get(username="admin"))
    watched.open("/reports/?year=2026")

    assert watched.charts_drawn()
    assert watched.violations() == []


def test_the_django_admin_works_under_the_policy(watched):
    watched.open("/admin/login/")
    watched.portal.log_in_as(User.objects.get(username="admin"))
    watched.open("/admin/")
    watched.open("/admin/groups/user/")
    # The change list's filters and actions are scripts; so are a change form's widgets.
    expect(watched.page.locator("#changelist-filter")).to_be_visible()
    watched.open("/admin/activities/trainingsession/add/")
    expect(watched.page.locator(".selector-chooseall").first).to_be_visible()

    assert watched.violations() == []


def test_the_periodic_task_form_says_what_a_crontab_means_under_the_policy(watched):
    every_quarter = CrontabSchedule.objects.create(minute="*/15")
    watched.portal.log_in_as(User.objects.get(username="admin"))
    watched.open("/admin/django_celery_beat/periodictask/add/")

    watched.page.select_option("#id_crontab", str(every_quarter.pk))

    expect(watched.page.locator(".field-crontab_translation .readonly")).to_have_text(
        every_quarter.human_readable
    )
    assert watched.violations() == []


def test_swagger_ui_renders_the_api_under_the_policy(watched):
    watched.open("/api/docs/")

    expect(watched.page.locator(".swagger-ui .info .title")).to_contain_text(
        "Hangzhou Children's Observation Group API"
    )
    expect(watched.page.locator(".swagger-ui .opblock").first).to_be_visible()
    assert watched.violations() == []


def test_axe_still_runs_under_the_policy(watched):
    assert watched.portal.problems("/") == []
    assert watched.violations() == []
