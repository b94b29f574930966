import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from groups.models import Role
from suggestions.models import Outcome, Suggestion
from suggestions.workflow import State
from tests.groups.factories import MembershipFactory, MentorFactory, StaffFactory, UserFactory
from tests.suggestions.factories import route_pending

pytestmark = pytest.mark.django_db
NEW = {
    "title": "校门口的斑马线",
    "noticed": "放学时车很多。",
    "proposal": "画一条斑马线。",
    "place": "南门",
    "role": "safety_promoter",
}


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def sent(pipe):
    response = api(pipe.child_user).post(
        "/api/v1/suggestions/", {**NEW, "focus_area": pipe.focus_area.code}, format="json"
    )
    assert response.status_code == 201, response.json()
    route_pending()
    return Suggestion.objects.get(pk=response.json()["id"])


def test_a_child_sends_a_suggestion_and_lists_only_their_own(pipe):
    mine = sent(pipe)
    other_child = UserFactory(role=Role.CHILD)
    MembershipFactory(child__user=other_child)

    listed = api(pipe.child_user).get("/api/v1/suggestions/").json()

    assert [s["id"] for s in listed["results"]] == [mine.pk]
    assert listed["results"][0]["child"] == "小白鹭"
    assert listed["results"][0]["state"] == State.AT_SCHOOL
    assert api(other_child).get("/api/v1/suggestions/").json()["results"] == []
    assert api(other_child).get(f"/api/v1/suggestions/{mine.pk}/").status_code == 404


def test_a_token_works_for_other_systems(pipe):
    mine = sent(pipe)
    token = Token.objects.create(user=pipe.school_staff)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    assert client.get(f"/api/v1/suggestions/{mine.pk}/").status_code == 200
    assert APIClient().get("/api/v1/suggestions/").status_code in (401, 403)


def test_staff_make_each_move_as_its_own_post_and_an_illegal_one_is_409(pipe):
    suggestion = sent(pipe)
    school = api(pipe.school_staff)

    collected = school.post(f"/api/v1/suggestions/{suggestion.pk}/collect/", {}, format="json")
    again = school.post(f"/api/v1/suggestions/{suggestion.pk}/collect/", {}, format="json")

    assert collected.status_code == 200
    assert collected.json()["state"] == State.COLLECTED
    assert again.status_code == 409
    assert again.json()["error"]["fields"]["reason"] == ["not_on_your_desk"]
    route_pending()
    community = api(pipe.community_staff)
    wrong = community.post(f"/api/v1/suggestions/{suggestion.pk}/accept/", {}, format="json")
    assert wrong.status_code == 409
    assert wrong.json()["error"]["code"] == "illegal_move"
    history = community.get(f"/api/v1/suggestions/{suggestion.pk}/history/").json()
    assert [h["to_state"] for h in history][-2:] == [State.COLLECTED, State.AT_COMMUNITY]


def test_a_stale_version_is_409_and_nothing_changes(pipe):
    suggestion = sent(pipe)

    response = api(pipe.school_staff).post(
        f"/api/v1/suggestions/{suggestion.pk}/collect/",
        {"version": suggestion.version - 1},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "stale"
    assert Suggestion.objects.get(pk=suggestion.pk).state == State.AT_SCHOOL


def test_a_conflicts_message_follows_the_requests_language(pipe):
    suggestion = sent(pipe)
    school = api(pipe.school_staff)
    path = f"/api/v1/suggestions/{suggestion.pk}/"

    stale = school.post(
        path + "collect/",
        {"version": suggestion.version - 1},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    illegal = school.post(path + "accept/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert stale.json()["error"]["message"] == "这期间有人处理了这条建议。"
    assert illegal.json()["error"] == {
        "code": "illegal_move",
        "message": "This step is not possible for this suggestion now.",
        "fields": {"reason": ["wrong_state"]},
    }


def test_a_move_missing_what_it_needs_is_400_with_the_field(pipe):
    suggestion = sent(pipe)

    response = api(pipe.school_staff).post(
        f"/api/v1/suggestions/{suggestion.pk}/decline/", {}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert Suggestion.objects.get(pk=suggestion.pk).state == State.AT_SCHOOL


@pytest.mark.parametrize("move", ["resolve_locally", "mark_implemented"])
def test_an_outcome_completed_in_the_future_is_refused_as_on_the_page(pipe, move):
    suggestion = sent(pipe)
    api(pipe.school_staff).post(f"/api/v1/suggestions/{suggestion.pk}/collect/", format="json")
    route_pending()
    staff = pipe.community_staff
    if move == "mark_implemented":
        api(staff).post(f"/api/v1/suggestions/{suggestion.pk}/forward/", format="json")
        route_pending()
        staff = pipe.department_staff
        planned = {"planned_on": str(timezone.localdate())}
        api(staff).post(f"/api/v1/suggestions/{suggestion.pk}/accept/", planned, format="json")
    before = Suggestion.objects.get(pk=suggestion.pk)
    tomorrow = timezone.localdate() + timedelta(days=1)
    outcome = {"description": "画了斑马线。", "completed_on": str(tomorrow)}

    response = api(staff).post(
        f"/api/v1/suggestions/{suggestion.pk}/{move}/", {"outcome": outcome}, format="json"
    )

    assert response.status_code == 400, response.json()
    assert set(response.json()["error"]["fields"]) == {"completed_on"}
    after = Suggestion.objects.get(pk=suggestion.pk)
    assert (after.state, after.version) == (before.state, before.version)
    assert not Outcome.objects.filter(suggestion=suggestion).exists()
    outcome["completed_on"] = str(timezone.localdate())
    done = api(staff).post(
        f"/api/v1/suggestions/{suggestion.pk}/{move}/", {"outcome": outcome}, format="json"
    )
    assert done.status_code == 200
    assert done.json()["state"] == State.IMPLEMENTED


@pytest.mark.parametrize(
    ("body", "content_type", "code"),
    [
        ("{not json", "application/json", "parse_error"),
        (json.dumps({**NEW, "focus_area": 12}), "application/json", "invalid"),
        (json.dumps({**NEW, "focus_area": "x", "secret": 1}), "application/json", "invalid"),
        (json.dumps([1, 2]), "application/json", "invalid"),
        ("title=x", "application/x-www-form-urlencoded", "unsupported_media_type"),
    ],
)
def test_bad_bodies_get_a_clear_error_in_the_common_format(pipe, body, content_type, code):
    response = api(pipe.child_user).post("/api/v1/suggestions/", body, content_type=content_type)

    assert 400 <= response.status_code < 500
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert not Suggestion.objects.exists()


def test_unknown_fields_are_named(pipe):
    response = api(pipe.child_user).post(
        "/api/v1/suggestions/",
        {**NEW, "focus_area": pipe.focus_area.code, "state": "implemented"},
        format="json",
    )

    assert response.status_code == 400
    assert "state" in response.json()["error"]["fields"]


def test_a_body_over_1_mb_is_413(pipe):
    response = api(pipe.child_user).post(
        "/api/v1/suggestions/",
        json.dumps({**NEW, "noticed": "x" * (1024 * 1024 + 1)}),
        content_type="application/json",
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_an_id_that_does_not_exist_or_is_not_yours_is_404(pipe):
    suggestion = sent(pipe)
    stranger = StaffFactory(user__role=Role.SCHOOL).user

    for user, pk in [(pipe.school_staff, 999999), (stranger, suggestion.pk)]:
        response = api(user).post(f"/api/v1/suggestions/{pk}/collect/", {}, format="json")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_only_children_create_suggestions(pipe):
    response = api(pipe.school_staff).post(
        "/api/v1/suggestions/", {**NEW, "focus_area": pipe.focus_area.code}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_a_mentor_lists_their_sub_teams_suggestions_only(pipe):
    suggestion = sent(pipe)
    membership = MembershipFactory(child=pipe.child)
    mentor = MentorFactory(sub_teams=[membership.sub_team]).user

    ids = [s["id"] for s in api(mentor).get("/api/v1/suggestions/").json()["results"]]

    assert ids == [suggestion.pk]
    assert api(MentorFactory().user).get("/api/v1/suggestions/").json()["results"] == []


def test_implemented_suggestions_are_public_with_pseudonyms_only(pipe):
    sent(pipe)
    Suggestion.objects.update(state=State.IMPLEMENTED)

    listed = api().get("/api/v1/implemented/").json()["results"]

    assert listed[0]["child"] == "小白鹭"
    assert set(listed[0]) >= {"title", "outcome", "focus_area"}


def test_the_lists_filter_order_and_paginate(pipe):
    for _ in range(3):
        sent(pipe)

    client = api(pipe.child_user)
    page = client.get("/api/v1/suggestions/?page_size=2&ordering=id").json()
    rest = client.get(page["next"]).json()
    bad = client.get("/api/v1/suggestions/?state=nonsense")

    # Pages by position (no count of a long list): the next page goes on where this one ends.
    assert len(page["results"]) == 2
    assert page["results"][0]["id"] < page["results"][1]["id"]
    assert [s["id"] for s in rest["results"]] == [page["results"][1]["id"] + 1]
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid"


def test_the_browsers_session_needs_its_csrf_token(pipe):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(pipe.child_user)

    response = client.post(
        "/api/v1/suggestions/", {**NEW, "focus_area": pipe.focus_area.code}, format="json"
    )

    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
    assert not Suggestion.objects.exists()


def test_a_suggestion_reads_the_same_in_the_list_and_alone(pipe):
    suggestion = sent(pipe)
    client = api(pipe.school_staff)

    listed = client.get("/api/v1/suggestions/").json()["results"][0]
    alone = client.get(f"/api/v1/suggestions/{suggestion.pk}/").json()

    assert listed == alone


def test_submitted_after_lists_what_was_sent_since_then_whatever_the_offset(pipe):
    mine = sent(pipe)
    # +23:00: a valid ISO 8601 offset that PostgreSQL refuses as it is.
    since = mine.submitted_at.astimezone(timezone.get_fixed_timezone(23 * 60))

    def listed(moment):
        response = api(pipe.child_user).get(
            "/api/v1/suggestions/", {"submitted_after": moment.isoformat()}
        )
        assert response.status_code == 200, response.json()
        return [s["id"] for s in response.json()["results"]]

    assert listed(since) == [mine.pk]
    assert listed(since + timedelta(seconds=1)) == []


@pytest.mark.parametrize(
    ("moment", "message"),
    [
        ("0001-01-01T00:00:00+14:00", "This is not a usable date."),
        ("9999-12-31T23:59:59-14:00", "This is not a usable date."),
        ("yesterday", "Enter a valid date/time."),
    ],
)
def test_submitted_after_that_is_no_usable_moment_is_a_400_naming_it(pipe, moment, message):
    response = api(pipe.child_user).get(
        "/api/v1/suggestions/", {"submitted_after": moment}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert response.json()["error"]["fields"] == {"submitted_after": [message]}
