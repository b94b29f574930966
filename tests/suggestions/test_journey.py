"""The journey page: one order by time for moves and progress reports, and notes that travel
with the suggestion to whoever holds it next (issue 15, items 3 and 4)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from suggestions import services
from suggestions.models import ProgressUpdate, StageChange, Suggestion
from suggestions.workflow import State
from tests.suggestions.factories import route_pending
from tests.suggestions.test_services import act, at, outcome, refresh

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    with translation.override("en"):
        return reverse(name, kwargs=kwargs)


def timeline(page: str) -> list[str]:
    """The journey's lines as a reader sees them, tags and spaces squeezed out."""
    section = page.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    items = re.findall(r"<li[^>]*>(.*?)</li>", section, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


def test_progress_and_the_moves_after_it_read_in_the_order_they_happened(client, pipe):
    s = at(pipe, State.IN_PROGRESS)
    services.suggestion_progress_update(
        suggestion=s, user=pipe.department_staff, percent=50, note="图纸已经画好。"
    )
    act(refresh(s), "mark_implemented", pipe.department_staff, outcome=outcome())
    # A day between each step: the report came after "accepted", before "implemented".
    start = timezone.now() - timedelta(days=30)
    Suggestion.objects.filter(pk=s.pk).update(created_at=start)
    changes = list(StageChange.objects.order_by("pk"))
    for day, change in enumerate(changes, start=1):
        StageChange.objects.filter(pk=change.pk).update(created_at=start + timedelta(days=day))
    ProgressUpdate.objects.update(created_at=start + timedelta(days=len(changes) - 0.5))

    client.force_login(pipe.child_user)
    lines = timeline(client.get(url("suggestion_detail", pk=s.pk)).text)

    progress = next(i for i, line in enumerate(lines) if "Progress: 50% done." in line)
    done = next(i for i, line in enumerate(lines) if "It was done!" in line)
    assert progress < done
    dates = [line.split()[0] for line in lines]
    assert dates == sorted(dates)


def test_the_communitys_note_reaches_the_department_and_not_the_child(client, pipe):
    s = at(pipe, State.AT_COMMUNITY)
    act(s, "forward", pipe.community_staff, note="路口归西湖区管，请和交警一起看。")
    route_pending()
    assert refresh(s).owner == pipe.department

    client.force_login(pipe.department_staff)
    page = client.get(url("suggestion_detail", pk=s.pk)).text
    assert "Notes from the desks before yours" in page
    assert page.count("路口归西湖区管，请和交警一起看。") == 2  # the notes, and the journey

    client.force_login(pipe.child_user)
    assert "路口归西湖区管" not in client.get(url("suggestion_detail", pk=s.pk)).text


def test_a_departments_note_when_referring_reaches_the_other_department(client, pipe):
    s = at(pipe, State.AT_DEPARTMENT)
    act(
        s,
        "refer",
        pipe.department_staff,
        department=pipe.other_department,
        note="这片绿地归园林局管。",
    )
    route_pending()
    assert refresh(s).owner == pipe.other_department

    client.force_login(pipe.other_department_staff)
    page = client.get(url("suggestion_detail", pk=s.pk)).text
    assert "这片绿地归园林局管。" in page.split('id="handover-heading"', 1)[1]


def test_the_schools_note_when_collecting_is_sent_from_the_page_and_read_by_the_community(
    client, pipe
):
    s = at(pipe, State.AT_SCHOOL)
    client.force_login(pipe.school_staff)
    response = client.post(
        url("suggestion_act", pk=s.pk, action="collect"),
        {"collect-version": s.version, "collect-note": "三个孩子都提到了这个路口。"},
    )
    assert response.status_code == 302
    route_pending()
    assert StageChange.objects.get(action="collect").note == "三个孩子都提到了这个路口。"

    client.force_login(pipe.community_staff)
    assert "三个孩子都提到了这个路口。" in client.get(url("suggestion_detail", pk=s.pk)).text


def test_notes_meant_for_the_child_are_shown_to_the_child(client, pipe):
    s = at(pipe, State.AT_DEPARTMENT)
    act(s, "accept", pipe.department_staff, planned_on=timezone.localdate(), note="我们马上安排。")

    client.force_login(pipe.child_user)
    page = client.get(url("suggestion_detail", pk=s.pk)).text
    assert "我们马上安排。" in page
    assert "Notes from the desks before yours" not in page


def test_the_api_shows_the_handover_notes_to_staff_and_not_to_the_child(pipe):
    from rest_framework.test import APIClient

    s = at(pipe, State.AT_COMMUNITY)
    act(s, "forward", pipe.community_staff, note="请和交警一起看。")
    route_pending()

    def notes(user):
        client = APIClient()
        client.force_authenticate(user)
        history = client.get(f"/api/v1/suggestions/{s.pk}/history/").json()
        return [row["note"] for row in history if row["action"] == "forward"]

    assert notes(pipe.department_staff) == ["请和交警一起看。"]
    assert notes(pipe.child_user) == [""]


@pytest.mark.parametrize("reports", [1, 5])
def test_the_journey_page_takes_a_fixed_number_of_queries(
    client, pipe, reports, django_assert_num_queries
):
    s = at(pipe, State.IN_PROGRESS)
    for percent in range(reports):
        services.suggestion_progress_update(
            suggestion=refresh(s), user=pipe.department_staff, percent=percent * 10, note="进展。"
        )
    act(refresh(s), "mark_implemented", pipe.department_staff, outcome=outcome())
    client.force_login(pipe.child_user)
    client.get(url("suggestion_detail", pk=s.pk))  # the session and the language settle first

    # session, user, the suggestion and its child (who may see it), its notices marked read,
    # then the page: the suggestion, its moves, its progress reports, the rest of its journey
    # and the unread count; however many reports there are.
    with django_assert_num_queries(11):
        page = client.get(url("suggestion_detail", pk=s.pk)).text

    assert sum("Progress: " in line for line in timeline(page)) == reports
