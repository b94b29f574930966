from io import BytesIO
from unittest.mock import patch

import openpyxl
import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation

from groups.models import Role
from reports import services
from reports.models import ExportState, ReportExport
from tests.activities.test_activities import log
from tests.groups.factories import (
    AdminFactory,
    MentorFactory,
    StaffFactory,
    UserFactory,
    sub_team_with_members,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_cached_figures():
    cache.clear()


def url(name, language="en", **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


@pytest.fixture
def admin(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    user = AdminFactory()
    client.force_login(user)
    return user


@pytest.fixture
def year_with_a_small_activity():
    sub_team, children = sub_team_with_members(3)
    log((sub_team, children, MentorFactory(sub_teams=[sub_team]).user), children_count=3)
    return timezone.localdate().year


def test_an_admin_asks_for_the_report_the_worker_makes_it_and_it_downloads(
    client, admin, year_with_a_small_activity, django_capture_on_commit_callbacks
):
    year = year_with_a_small_activity

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("report_export_request"), {"year": year, "format": "xlsx", "language": "en"}
        )

    assert response.status_code == 302
    export = ReportExport.objects.get()
    assert (export.state, export.progress) == (ExportState.DONE, 100)
    page = client.get(url("report_dashboard") + f"?year={year}").text
    download = client.get(url("report_export_download", pk=export.pk))
    assert download["Content-Disposition"].startswith("attachment")
    workbook = openpyxl.load_workbook(BytesIO(b"".join(download.streaming_content)))
    assert "Activities by kind" in workbook.sheetnames
    assert url("report_export_download", pk=export.pk) in page


def test_asking_again_while_the_report_is_being_made_does_not_start_a_second(
    admin, django_capture_on_commit_callbacks
):
    year = timezone.localdate().year
    with (
        patch.object(services, "_generate_later") as generate,
        django_capture_on_commit_callbacks(execute=True),
    ):
        first, started = services.report_export_request(
            user=admin, year=year, fmt="pdf", language="zh-hans"
        )
        again, started_again = services.report_export_request(
            user=admin, year=year, fmt="pdf", language="zh-hans"
        )

    assert (started, started_again) == (True, False)
    assert again == first
    assert ReportExport.objects.count() == 1
    assert generate.call_count == 1


def test_a_failed_report_says_why_and_can_be_asked_for_again(admin):
    year = timezone.localdate().year
    with patch.object(services, "_generate_later"):
        export, _started = services.report_export_request(
            user=admin, year=year, fmt="pdf", language="en"
        )
    with patch.object(services, "report_file", side_effect=OSError("disk full")):
        failed = services.report_export_generate(export_id=export.pk)

    assert failed.state == ExportState.FAILED
    assert "disk full" in failed.error
    with patch.object(services, "_generate_later"):
        retry, started = services.report_export_request(
            user=admin, year=year, fmt="pdf", language="en"
        )
    assert started and retry != export
    assert services.report_export_generate(export_id=retry.pk).state == ExportState.DONE


def test_a_report_left_running_by_a_worker_that_stopped_is_marked_failed_on_the_next_ask(admin):
    year = timezone.localdate().year
    with patch.object(services, "_generate_later"):
        stuck, _started = services.report_export_request(
            user=admin, year=year, fmt="csv", language="en"
        )
        ReportExport.objects.filter(pk=stuck.pk).update(
            state=ExportState.RUNNING,
            progress_at=timezone.now() - services.EXPORT_STALE_AFTER * 2,
        )
        fresh, started = services.report_export_request(
            user=admin, year=year, fmt="csv", language="en"
        )

    stuck.refresh_from_db()
    assert started and fresh != stuck
    assert stuck.state == ExportState.FAILED


def test_a_redelivered_task_does_not_make_the_report_twice_nor_revive_a_failed_one(admin):
    year = timezone.localdate().year
    with patch.object(services, "_generate_later"):
        export, _started = services.report_export_request(
            user=admin, year=year, fmt="csv", language="en"
        )
    done = services.report_export_generate(export_id=export.pk)
    made = done.file.name

    again = services.report_export_generate(export_id=export.pk)

    assert (again.state, again.file.name, again.attempts) == (ExportState.DONE, made, 1)
    ReportExport.objects.filter(pk=export.pk).update(state=ExportState.FAILED)
    assert services.report_export_generate(export_id=export.pk).state == ExportState.FAILED


def test_a_worker_that_died_mid_way_is_retried_a_few_times_then_given_up(admin):
    year = timezone.localdate().year
    with patch.object(services, "_generate_later"):
        export, _started = services.report_export_request(
            user=admin, year=year, fmt="csv", language="en"
        )
    left_behind = timezone.now() - services.EXPORT_STALE_AFTER * 2
    ReportExport.objects.filter(pk=export.pk).update(
        state=ExportState.RUNNING, progress_at=left_behind, attempts=1
    )
    assert services.report_export_generate(export_id=export.pk).state == ExportState.DONE

    ReportExport.objects.filter(pk=export.pk).update(
        state=ExportState.RUNNING, progress_at=left_behind, attempts=services.MAX_ATTEMPTS
    )
    assert services.report_export_generate(export_id=export.pk).state == ExportState.RUNNING
    assert services.report_exports_fail_stale() == 1


def test_a_year_out_of_range_is_refused_with_a_message(client, admin):
    response = client.post(
        url("report_export_request", "zh-hans"),
        {"year": 1999, "format": "pdf", "language": "en"},
        follow=True,
    )

    assert "之间的年份" in response.text
    assert not ReportExport.objects.exists()
    assert client.get(url("report_dashboard") + "?year=abc").status_code == 200


@pytest.mark.parametrize("role", [Role.CHILD, Role.GUARDIAN, Role.MENTOR, Role.SCHOOL])
def test_only_admins_see_the_dashboard_and_ask_for_reports(client, role):
    user = StaffFactory(user__role=role).user if role == Role.SCHOOL else UserFactory(role=role)
    client.force_login(user)

    assert client.get(url("report_dashboard")).status_code == 403
    posted = client.post(
        url("report_export_request"), {"year": 2026, "format": "pdf", "language": "en"}
    )
    assert posted.status_code == 403
    assert not ReportExport.objects.exists()


def test_reports_are_downloaded_by_admins_only(client, admin):
    export = ReportExport.objects.create(
        year=2026, format="csv", language="en", requested_by=admin, state=ExportState.DONE
    )
    export.file.save("r.zip", BytesIO(b"PK"))
    client.force_login(UserFactory(role=Role.MENTOR))

    assert client.get(url("report_export_download", pk=export.pk)).status_code == 403


def test_the_public_figures_hide_counts_of_fewer_than_five_children(
    client, year_with_a_small_activity
):
    response = client.get(url("public_figures"))

    assert response.status_code == 200
    assert "&lt;5" in response.text
    assert "Days at each desk" not in response.text, "only the public subset"


def test_the_dashboard_shows_the_figures_with_their_charts_to_admins(
    client, admin, year_with_a_small_activity
):
    response = client.get(url("report_dashboard"))

    assert response.status_code == 200
    assert 'data-chart="chart-activities_by_kind"' in response.text
    assert 'id="chart-activities_by_kind" type="application/json"' in response.text
    assert "Days at each desk" in response.text


def test_each_figure_links_to_the_list_behind_it(client, admin, year_with_a_small_activity):
    year = year_with_a_small_activity

    page = client.get(url("report_dashboard")).text
    behind = client.get(url("activity_list") + f"?kind=round_table&year={year}")

    assert f'href="/en/activities/?kind=round_table&amp;year={year}"' in page
    assert behind.context["page"].paginator.count == 1


def test_the_dashboard_reloading_itself_does_not_recompute_the_figures(client, admin):
    from reports import selectors

    with patch.object(selectors, "year_figures", wraps=selectors.year_figures) as computed:
        for _ in range(3):
            assert client.get(url("report_dashboard")).status_code == 200

    assert computed.call_count == 1


def test_no_two_elements_of_the_dashboard_share_an_id(client, admin, year_with_a_small_activity):
    """The year filter and the export form both have a year: a label must find its own."""
    from collections import Counter
    from html.parser import HTMLParser

    class Ids(HTMLParser):
        def __init__(self):
            super().__init__()
            self.ids = Counter()

        def handle_starttag(self, tag, attrs):
            self.ids.update(value for name, value in attrs if name == "id")

    parser = Ids()
    parser.feed(client.get(url("report_dashboard")).text)

    assert parser.ids["id_year"] == 1
    assert [name for name, n in parser.ids.items() if n > 1] == []


def test_the_days_at_each_desk_chart_on_the_dashboard_draws_median_and_90th_percentile(
    client, admin
):
    from datetime import timedelta

    from tests.reports.test_figures import _stay
    from tests.suggestions.factories import SuggestionFactory

    entered = timezone.now() - timedelta(days=20)
    _stay(SuggestionFactory(), entered, 4)

    response = client.get(url("report_dashboard") + f"?year={entered.year}")

    charts = response.context["charts"]
    data = next(item["chart"] for item in charts if item["table"].key == "stage_times")
    assert [series["label"] for series in data["series"]] == [
        "Median days",
        "90th percentile days",
    ]
    assert data["series"][0]["values"][0] == 4.0
    assert "On time: left the desk by its deadline." in response.text
