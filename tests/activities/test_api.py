from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from activities.models import Activity, TrainingSession
from tests.groups.factories import MentorFactory, sub_team_with_members

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    sub_team, children = sub_team_with_members(3)
    mentor = MentorFactory(sub_teams=[sub_team]).user
    client = APIClient()
    client.force_authenticate(mentor)
    return sub_team, children, mentor, client


def test_a_mentor_logs_and_corrects_a_session_through_the_api(team):
    sub_team, children, _mentor, client = team
    body = {
        "held_on": str(timezone.localdate()),
        "topic": "观察技能",
        "hours": "2",
        "sub_teams": [sub_team.pk],
        "attendees": [c.pk for c in children[:2]],
    }

    created = client.post("/api/v1/training-sessions/", body, format="json")
    session = TrainingSession.objects.get()
    corrected = client.put(
        f"/api/v1/training-sessions/{session.pk}/", {**body, "topic": "观察技能二"}, format="json"
    )

    assert created.status_code == 201
    assert sorted(created.json()["attendees"]) == sorted(c.pseudonym for c in children[:2])
    assert corrected.json()["topic"] == "观察技能二"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"hours": "0"}, "hours"),
        ({"held_on": "2999-01-01"}, "held_on"),
        ({"sub_teams": []}, "sub_teams"),
        ({"hours": "lots"}, "hours"),
    ],
)
def test_bad_sessions_are_400_with_the_field_and_nothing_written(team, change, field):
    sub_team, _children, _mentor, client = team
    body = {"held_on": str(timezone.localdate()), "topic": "x", "hours": "2",
            "sub_teams": [sub_team.pk], **change}  # fmt: skip

    response = client.post("/api/v1/training-sessions/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not TrainingSession.objects.exists()


def test_an_activity_with_an_end_before_its_start_is_400(team):
    sub_team, _children, _mentor, client = team
    start = timezone.now() - timedelta(days=1)
    body = {
        "group": sub_team.group_id,
        "title": "实地走访",
        "kind": "site_visit",
        "role": "sentiment_observer",
        "starts_at": start.isoformat(),
        "ends_at": (start - timedelta(hours=1)).isoformat(),
        "place": "地铁站",
        "children_count": 3,
    }

    refused = client.post("/api/v1/activities/", body, format="json")
    body["ends_at"] = (start + timedelta(hours=1)).isoformat()
    created = client.post("/api/v1/activities/", body, format="json")

    assert refused.status_code == 400
    assert "ends_at" in refused.json()["error"]["fields"]
    assert created.status_code == 201
    assert Activity.objects.count() == 1
    assert APIClient().get(f"/api/v1/activities/{created.json()['id']}/").status_code == 200
