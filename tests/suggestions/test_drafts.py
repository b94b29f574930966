"""A draft needs only a title; sending needs the rest (issue 15, item 2)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from suggestions import services
from suggestions.models import Suggestion
from suggestions.workflow import State
from tests.suggestions.factories import route_pending

pytestmark = pytest.mark.django_db


def url(name, language="en", **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


def test_a_draft_with_only_a_title_and_what_the_child_noticed_is_saved(client, pipe):
    client.force_login(pipe.child_user)

    response = client.post(
        url("suggestion_new"),
        {"title": "楼道灯太暗", "noticed": "晚上楼道很黑。", "save": "1"},
    )

    assert response.status_code == 302
    draft = Suggestion.objects.get()
    assert (draft.state, draft.title, draft.noticed) == (
        State.DRAFT,
        "楼道灯太暗",
        "晚上楼道很黑。",
    )
    assert draft.focus_area is None
    page = client.get(url("suggestion_detail", pk=draft.pk)).text
    assert "楼道灯太暗" in page
    assert "None" not in page
    assert "楼道灯太暗" in client.get(url("my_suggestions")).text


def test_a_draft_still_needs_its_title(client, pipe):
    client.force_login(pipe.child_user)

    response = client.post(url("suggestion_new"), {"noticed": "晚上楼道很黑。", "save": "1"})

    assert response.status_code == 200
    assert "Give it a short name first" in response.text
    assert "晚上楼道很黑。" in response.text
    assert not Suggestion.objects.exists()


def test_sending_an_incomplete_suggestion_says_what_is_missing_and_keeps_what_was_typed(
    client, pipe
):
    client.force_login(pipe.child_user)

    response = client.post(
        url("suggestion_new", language="zh-hans"),
        {"title": "楼道灯太暗", "noticed": "晚上楼道很黑。", "submit": "1"},
    )

    assert response.status_code == 200
    assert not Suggestion.objects.exists()
    for what_to_do in ["先写下你的建议", "先写下在哪里", "先选一个关注领域", "先选你的角色"]:
        assert response.text.count(what_to_do) == 1
    assert "晚上楼道很黑。" in response.text


def test_a_draft_completed_later_is_sent(client, pipe):
    client.force_login(pipe.child_user)
    client.post(url("suggestion_new"), {"title": "楼道灯太暗", "save": "1"})
    draft = Suggestion.objects.get()

    client.post(
        url("suggestion_edit", pk=draft.pk),
        {
            "title": "楼道灯太暗",
            "noticed": "晚上楼道很黑。",
            "proposal": "换上感应灯。",
            "place": "3 幢楼道",
            "focus_area": pipe.focus_area.pk,
            "role": "sentiment_observer",
            "submit": "1",
            "version": draft.version,
        },
    )

    draft.refresh_from_db()
    assert draft.state == State.SUBMITTED


def test_the_service_refuses_to_send_an_incomplete_suggestion(pipe):
    with pytest.raises(ValidationError) as refused:
        services.suggestion_create(child=pipe.child, submit=True, title="楼道灯太暗")

    assert set(refused.value.message_dict) == set(Suggestion.SENT_NEEDS)
    assert not Suggestion.objects.exists()


def test_a_returned_suggestion_cannot_be_emptied(pipe):
    draft = pipe.draft()
    services.suggestion_transition(suggestion=draft, action="submit", user=pipe.child_user)
    route_pending()
    services.suggestion_transition(
        suggestion=draft, action="return", user=pipe.school_staff, note="具体在哪里？"
    )

    with pytest.raises(ValidationError):
        services.suggestion_update(
            suggestion=draft,
            user=pipe.child_user,
            submit=False,
            expected_version=None,
            proposal="",
        )


def test_the_database_refuses_a_sent_suggestion_without_its_content(pipe):
    draft = pipe.draft()

    with pytest.raises(IntegrityError), transaction.atomic():
        Suggestion.objects.filter(pk=draft.pk).update(submitted_at=timezone.now(), place="")


def test_the_api_keeps_a_draft_with_only_a_title_and_refuses_to_send_it_incomplete(pipe):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(pipe.child_user)

    draft = client.post(
        "/api/v1/suggestions/", {"title": "楼道灯太暗", "submit": False}, format="json"
    )
    sent = client.post("/api/v1/suggestions/", {"title": "楼道灯太暗"}, format="json")

    assert draft.status_code == 201, draft.json()
    assert draft.json()["focus_area"] is None
    assert client.get("/api/v1/suggestions/").json()["results"][0]["focus_area"] is None
    assert sent.status_code == 400
    assert set(sent.json()["error"]["fields"]) == set(Suggestion.SENT_NEEDS)
    assert Suggestion.objects.count() == 1


def test_sending_an_incomplete_draft_by_its_move_is_refused_not_a_500(pipe):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(pipe.child_user)
    draft = client.post(
        "/api/v1/suggestions/", {"title": "楼道灯太暗", "submit": False}, format="json"
    ).json()

    by_api = client.post(f"/api/v1/suggestions/{draft['id']}/submit/", {}, format="json")
    with pytest.raises(ValidationError):
        services.suggestion_transition(
            suggestion=Suggestion.objects.get(), action="submit", user=pipe.child_user
        )

    assert by_api.status_code == 400
    assert Suggestion.objects.get().state == State.DRAFT


def test_a_guardians_download_lists_a_draft_without_a_focus_area(pipe):
    from privacy.selectors import child_data

    services.suggestion_create(child=pipe.child, submit=False, title="楼道灯太暗")

    (listed,) = child_data(child=pipe.child)["suggestions"]

    assert listed["focus_area"] is None


def test_the_admin_refuses_to_empty_a_sent_suggestion_on_the_field(pipe):
    from suggestions.admin import SuggestionAdminForm

    sent = pipe.draft()
    services.suggestion_transition(suggestion=sent, action="submit", user=pipe.child_user)
    sent.refresh_from_db()

    form = SuggestionAdminForm(
        instance=sent,
        data={
            "child": sent.child_id,
            "title": sent.title,
            "noticed": "",
            "proposal": sent.proposal,
            "place": sent.place,
            "focus_area": sent.focus_area_id,
            "role": sent.role,
        },
    )

    assert not form.is_valid()
    assert "noticed" in form.errors
