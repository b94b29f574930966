"""Role × endpoint × action: no row from another scope is ever returned or changed.

Two sub-teams (A and B), a child and a guardian in each, their mentors, the school and
community of child A, another school, a department and an admin. Every role lists and opens
every endpoint and tries every write; what comes back must be within their scope, and what
they may not change stays as it was.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from activities import services as activity_services
from activities.models import Activity, TrainingSession
from groups.models import Role
from suggestions.models import Suggestion
from suggestions.selectors import visible_to
from tests import realnames
from tests.groups.factories import (
    AdminFactory,
    ChildFactory,
    GuardianshipFactory,
    MembershipFactory,
    MentorFactory,
    StaffFactory,
    SubTeamFactory,
    UserFactory,
)
from tests.suggestions.factories import Pipeline, route_pending

pytestmark = pytest.mark.django_db


def build_world():
    pipe = Pipeline()
    team_a, team_b = SubTeamFactory(), SubTeamFactory()
    MembershipFactory(child=pipe.child, sub_team=team_a)
    child_b = ChildFactory(user=UserFactory(role=Role.CHILD))
    MembershipFactory(child=child_b, sub_team=team_b)
    mentor_a = MentorFactory(sub_teams=[team_a]).user
    mentor_b = MentorFactory(sub_teams=[team_b]).user
    suggestions = {}
    for name, child_user in [("a", pipe.child_user), ("b", child_b.user)]:
        client = APIClient()
        client.force_authenticate(child_user)
        response = client.post(
            "/api/v1/suggestions/",
            {
                "title": f"建议{name}",
                "noticed": "…",
                "proposal": "…",
                "place": "…",
                "focus_area": pipe.focus_area.code,
                "role": "safety_promoter",
            },
            format="json",
        )
        assert response.status_code == 201
        suggestions[name] = response.json()["id"]
    route_pending()
    suggestions = {name: Suggestion.objects.get(pk=pk) for name, pk in suggestions.items()}
    sessions = {
        name: activity_services.training_session_log(
            user=mentor,
            held_on=timezone.localdate(),
            topic=f"培训{name}",
            hours=Decimal(2),
            sub_teams=[team],
            attendees=[],
        )
        for name, mentor, team in [("a", mentor_a, team_a), ("b", mentor_b, team_b)]
    }
    activity = activity_services.activity_log(
        user=mentor_a,
        group=team_a.group,
        title="活动a",
        kind="site_visit",
        role="sentiment_observer",
        starts_at=timezone.now() - timedelta(days=1),
        ends_at=timezone.now() - timedelta(hours=20),
        place="地铁站",
        children_count=1,
        sub_teams=[team_a],
        attendees=[pipe.child],
    )
    users = {
        "anonymous": None,
        "child a": pipe.child_user,
        "child b": child_b.user,
        "guardian a": GuardianshipFactory(child=pipe.child).guardian.user,
        "mentor a": mentor_a,
        "mentor b": mentor_b,
        "school a": pipe.school_staff,
        "other school": StaffFactory(user__role=Role.SCHOOL).user,
        "community a": pipe.community_staff,
        "department": pipe.department_staff,
        "admin": AdminFactory(),
    }
    return {
        "users": users,
        "suggestions": suggestions,
        "sessions": sessions,
        "activity": activity,
        "teams": (team_a, team_b),
    }


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """The world, built once for the module (building it is most of each test's time) in a
    transaction rolled back after the module's last test. Each test runs in a savepoint inside
    it, so what one test changes the next never sees."""
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        # What building it sent is watched as it was when each test built its own.
        realnames.report_outbox()
        leaks = realnames.take_leaks()
        if leaks:
            pytest.fail(
                "A child's real name reached someone not entitled to it:\n" + "\n".join(leaks)
            )
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def world(built):
    """The module's world as fresh rows from the database: nothing a test changed in memory
    reaches the next one."""

    def fresh(obj):
        return None if obj is None else type(obj).objects.get(pk=obj.pk)

    return {
        "users": {role: fresh(user) for role, user in built["users"].items()},
        "suggestions": {name: fresh(s) for name, s in built["suggestions"].items()},
        "sessions": {name: fresh(s) for name, s in built["sessions"].items()},
        "activity": fresh(built["activity"]),
        "teams": tuple(fresh(team) for team in built["teams"]),
    }


def client_for(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def ids(response):
    body = response.json()
    return {row["id"] for row in body["results"]} if "results" in body else set()


ROLES = [
    "anonymous", "child a", "child b", "guardian a", "mentor a", "mentor b", "school a",
    "other school", "community a", "department", "admin",
]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_suggestions_list_and_open_only_within_scope(world, role):
    user = world["users"][role]
    client = client_for(user)
    everything = Suggestion.objects.all()
    allowed = set(visible_to(user, everything).values_list("pk", flat=True)) if user else set()

    listed = client.get("/api/v1/suggestions/?page_size=100")

    if user is None:
        assert listed.status_code in (401, 403)
    else:
        assert ids(listed) == allowed
    for suggestion in everything:
        opened = client.get(f"/api/v1/suggestions/{suggestion.pk}/")
        history = client.get(f"/api/v1/suggestions/{suggestion.pk}/history/")
        expected = 200 if suggestion.pk in allowed else (404 if user else opened.status_code)
        assert opened.status_code == expected, (role, suggestion.title)
        assert history.status_code == expected, (role, suggestion.title)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_owner_of_the_desk_moves_a_suggestion(world, role):
    client = client_for(world["users"][role])
    suggestion = world["suggestions"]["a"]
    before = (suggestion.state, suggestion.version)

    for move in ("collect", "withdraw", "accept", "forward"):
        response = client.post(f"/api/v1/suggestions/{suggestion.pk}/{move}/", {}, format="json")
        allowed = (role, move) in {("school a", "collect"), ("child a", "withdraw")}
        if allowed:
            assert response.status_code == 200, (role, move, response.json())
            return
        assert response.status_code in (401, 403, 404, 409), (role, move)
        suggestion.refresh_from_db()
        assert (suggestion.state, suggestion.version) == before, (role, move)


@pytest.mark.parametrize("role", ROLES)
def test_training_sessions_are_seen_and_corrected_within_scope(world, role):
    user = world["users"][role]
    client = client_for(user)
    session_a, session_b = world["sessions"]["a"], world["sessions"]["b"]
    team_a, _team_b = world["teams"]
    sees_a = role in {"child a", "guardian a", "mentor a", "admin"}
    sees_b = role in {"child b", "mentor b", "admin"}

    listed = client.get("/api/v1/training-sessions/")

    if user is None:
        assert listed.status_code in (401, 403)
    else:
        assert ids(listed) == {s.pk for s, seen in [(session_a, sees_a), (session_b, sees_b)]
                               if seen}  # fmt: skip
    correction = {
        "held_on": str(timezone.localdate()),
        "topic": "改过的",
        "hours": "3",
        "sub_teams": [team_a.pk],
    }
    response = client.put(f"/api/v1/training-sessions/{session_a.pk}/", correction, format="json")
    if role in {"mentor a", "admin"}:
        assert response.status_code == 200
    else:
        assert response.status_code in (401, 403, 404), role
        assert TrainingSession.objects.get(pk=session_a.pk).topic == "培训a"


@pytest.mark.parametrize("role", ROLES)
def test_activities_are_public_but_changed_and_attended_only_within_scope(world, role):
    client = client_for(world["users"][role])
    activity = world["activity"]
    team_a, _team_b = world["teams"]

    opened = client.get(f"/api/v1/activities/{activity.pk}/").json()
    change = {
        "group": activity.group_id,
        "title": "改过的活动",
        "kind": "site_visit",
        "role": "sentiment_observer",
        "starts_at": activity.starts_at.isoformat(),
        "ends_at": activity.ends_at.isoformat(),
        "place": "地铁站",
        "children_count": 1,
        "sub_teams": [team_a.pk],
    }
    changed = client.put(f"/api/v1/activities/{activity.pk}/", change, format="json")

    assert opened["title"] in ("活动a", "改过的活动")
    sees_people = role in {"child a", "guardian a", "mentor a", "admin"}
    assert (opened["attendees"] is not None) == sees_people, role
    if role in {"mentor a", "admin"}:
        assert changed.status_code == 200
    else:
        assert changed.status_code in (401, 403), role
        assert Activity.objects.get(pk=activity.pk).title == "活动a"


@pytest.mark.parametrize("role", ROLES)
def test_the_years_figures_only_for_admins(world, role):
    response = client_for(world["users"][role]).get("/api/v1/figures/2026/")

    if role == "admin":
        assert response.status_code == 200
    else:
        assert response.status_code in (401, 403)


def _suggestion_of(child_user, title):
    response = client_for(child_user).post(
        "/api/v1/suggestions/",
        {
            "title": title,
            "noticed": "…",
            "proposal": "…",
            "place": "…",
            "focus_area": Suggestion.objects.first().focus_area.code,
            "role": "safety_promoter",
        },
        format="json",
    )
    assert response.status_code == 201
    route_pending()
    return Suggestion.objects.get(pk=response.json()["id"])


def test_a_school_merges_only_into_an_open_suggestion_of_its_own_school(world):
    users = world["users"]
    mine, elsewhere = world["suggestions"]["a"], world["suggestions"]["b"]
    school = client_for(users["school a"])
    before = (mine.state, mine.version)

    refused = school.post(
        f"/api/v1/suggestions/{mine.pk}/merge/", {"merged_into": elsewhere.pk}, format="json"
    )
    missing = school.post(
        f"/api/v1/suggestions/{mine.pk}/merge/", {"merged_into": 10**9}, format="json"
    )

    assert refused.status_code == 400
    assert set(refused.json()["error"]["fields"]) == {"merged_into"}
    # Another school's suggestion and one that does not exist are told apart by nothing.
    unknown = missing.json()["error"]["fields"]["merged_into"]
    assert refused.json()["error"]["fields"]["merged_into"] == [
        message.replace(str(10**9), str(elsewhere.pk)) for message in unknown
    ]
    mine.refresh_from_db()
    assert (mine.state, mine.version, mine.merged_into_id) == (*before, None)
    for role in ("school a", "child a", "guardian a"):
        opened = client_for(users[role]).get(f"/api/v1/suggestions/{elsewhere.pk}/")
        assert opened.status_code == 404, role

    schoolmate = ChildFactory(
        school=users["child a"].child.school, user=UserFactory(role=Role.CHILD)
    )
    goes_on = _suggestion_of(schoolmate.user, "同校的建议")
    merged = school.post(
        f"/api/v1/suggestions/{mine.pk}/merge/", {"merged_into": goes_on.pk}, format="json"
    )
    assert merged.status_code == 200, merged.json()
    assert merged.json()["merged_into"] == goes_on.pk


@pytest.mark.parametrize("role", ROLES)
def test_no_role_merges_into_another_schools_suggestion_or_sees_it_afterwards(world, role):
    user = world["users"][role]
    mine, elsewhere = world["suggestions"]["a"], world["suggestions"]["b"]
    target = Suggestion.objects.filter(pk=elsewhere.pk)
    saw_it = user is not None and visible_to(user, target).exists()

    response = client_for(user).post(
        f"/api/v1/suggestions/{mine.pk}/merge/", {"merged_into": elsewhere.pk}, format="json"
    )

    assert response.status_code in (400, 401, 403, 404, 409), role
    mine.refresh_from_db()
    assert (mine.state, mine.merged_into_id) == ("at_school", None), role
    assert (user is not None and visible_to(user, target).exists()) == saw_it, role


def test_a_suggestion_is_forwarded_or_referred_only_to_a_city_department(world):
    users = world["users"]
    suggestion = world["suggestions"]["a"]
    school_a = users["school a"].staff.organisation
    collected = client_for(users["school a"]).post(
        f"/api/v1/suggestions/{suggestion.pk}/collect/", {}, format="json"
    )
    assert collected.status_code == 200
    route_pending()
    community = client_for(users["community a"])

    refused = community.post(
        f"/api/v1/suggestions/{suggestion.pk}/forward/", {"department": school_a.pk}, format="json"
    )

    assert refused.status_code == 400
    assert set(refused.json()["error"]["fields"]) == {"department"}
    suggestion.refresh_from_db()
    assert suggestion.state == "at_community"
    department = users["department"].staff.organisation
    forwarded = community.post(
        f"/api/v1/suggestions/{suggestion.pk}/forward/", {"department": department.pk},
        format="json",
    )  # fmt: skip
    assert forwarded.status_code == 200
    route_pending()
    suggestion.refresh_from_db()
    assert suggestion.owner == department
    refused = client_for(users["department"]).post(
        f"/api/v1/suggestions/{suggestion.pk}/refer/", {"department": school_a.pk}, format="json"
    )
    assert refused.status_code == 400
    assert set(refused.json()["error"]["fields"]) == {"department"}
