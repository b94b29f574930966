"""What the audit trail records: who changed what, and never a child's words or real name."""

import json
from io import StringIO

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from audit.apps import RECORDED_FIELDS
from audit.selectors import ENTRY_KINDS
from groups.models import ChildPersonalData, Membership, MembershipRole, Role, User
from reports.models import ExportState, ReportExport
from suggestions.models import Suggestion
from suggestions.services import suggestion_transition
from suggestions.workflow import State
from tests.groups.factories import (
    AdminFactory,
    GuardianshipFactory,
    MembershipFactory,
    MentorFactory,
    SubTeamFactory,
    UserFactory,
)
from tests.suggestions.factories import route_pending

pytestmark = pytest.mark.django_db

# A child's own words and real name, distinctive enough to find anywhere.
TITLE = "独一无二的标题斑马线"
NOTICED = "放学时独一无二的车流"
PROPOSAL = "独一无二的护学岗建议"
PLACE = "独一无二的校门口"
REAL_NAME = "欧阳紫萱独"


def url(name, language="en", **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


def entries_for(model, **kwargs):
    return LogEntry.objects.get_for_model(model).filter(**kwargs).order_by("timestamp", "pk")


def everything_recorded() -> str:
    """Every entry as text: what a reader of the table would see."""
    return json.dumps(
        [
            [e.object_repr, e.changes, e.changes_text, e.additional_data, e.serialized_data]
            for e in LogEntry.objects.all()
        ],
        ensure_ascii=False,
        default=str,
    )


def submitted_and_routed(pipe):
    suggestion = pipe.draft(title=TITLE, noticed=NOTICED, proposal=PROPOSAL, place=PLACE)
    suggestion_transition(suggestion=suggestion, action="submit", user=pipe.child_user)
    route_pending()
    return Suggestion.objects.get(pk=suggestion.pk)


# --- Stage changes --------------------------------------------------------------------------


def test_a_stage_change_made_on_the_page_names_the_actor_and_the_states_and_no_text(client, pipe):
    suggestion = submitted_and_routed(pipe)
    client.force_login(pipe.school_staff)

    response = client.post(
        url("suggestion_act", pk=suggestion.pk, action="collect"),
        {"collect-version": suggestion.version},
    )

    assert response.status_code == 302
    entry = entries_for(Suggestion, object_id=suggestion.pk, actor=pipe.school_staff).get()
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.changes["state"] == [State.AT_SCHOOL, State.COLLECTED]
    assert entry.object_repr == f"#{suggestion.pk}"
    recorded = everything_recorded()
    for words in (TITLE, NOTICED, PROPOSAL, PLACE):
        assert words not in recorded


def test_the_routers_move_is_recorded_as_nobodys(pipe):
    suggestion = submitted_and_routed(pipe)

    routed = entries_for(Suggestion, object_id=suggestion.pk).last()

    assert routed.actor is None
    assert routed.changes["state"] == [State.SUBMITTED, State.AT_SCHOOL]
    assert routed.changes["owner"] == ["None", str(pipe.school.pk)]


def test_a_move_made_through_the_api_with_a_token_names_the_actor(pipe):
    suggestion = submitted_and_routed(pipe)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=pipe.school_staff)}")

    response = api.post(f"/api/v1/suggestions/{suggestion.pk}/collect/", {}, format="json")

    assert response.status_code == 200, response.content
    entry = entries_for(Suggestion, object_id=suggestion.pk).get(
        changes__state=[State.AT_SCHOOL, State.COLLECTED]
    )
    assert entry.actor == pipe.school_staff


def test_editing_a_draft_records_nothing_of_its_words(client, pipe):
    suggestion = pipe.draft()
    client.force_login(pipe.child_user)

    client.post(
        url("suggestion_edit", pk=suggestion.pk),
        {
            "title": TITLE,
            "noticed": NOTICED,
            "proposal": PROPOSAL,
            "place": PLACE,
            "focus_area": pipe.focus_area.pk,
            "role": suggestion.role,
            "version": suggestion.version,
        },
    )

    assert Suggestion.objects.filter(title=TITLE).exists(), "the edit went through"
    recorded = everything_recorded()
    for words in (TITLE, NOTICED, PROPOSAL, PLACE):
        assert words not in recorded


# --- Exports and downloads ------------------------------------------------------------------


@pytest.fixture
def admin(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    user = AdminFactory()
    client.force_login(user)
    return user


def test_asking_for_a_report_and_downloading_it_are_recorded_with_the_admin(
    client, admin, django_capture_on_commit_callbacks
):
    year = timezone.localdate().year
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("report_export_request"), {"year": year, "format": "csv", "language": "en"})
    export = ReportExport.objects.get()
    assert export.state == ExportState.DONE

    response = client.get(url("report_export_download", pk=export.pk))

    assert response.status_code == 200
    asked, started, finished, downloaded = entries_for(ReportExport, object_id=export.pk)
    assert (asked.action, asked.actor) == (LogEntry.Action.CREATE, admin)
    assert asked.changes["year"] == ["None", str(year)]
    assert asked.changes["requested_by"] == ["None", str(admin.pk)]
    # Made by the worker: no actor, the state as it moved.
    assert (started.actor, started.changes) == (None, {"state": ["queued", "running"]})
    assert (finished.actor, finished.changes) == (None, {"state": ["running", "done"]})
    assert (downloaded.action, downloaded.actor) == (LogEntry.Action.ACCESS, admin)


def test_a_download_refused_or_not_found_is_not_recorded(client, admin):
    export = ReportExport.objects.create(year=2026, format="csv", language="en", requested_by=admin)

    assert client.get(url("report_export_download", pk=export.pk)).status_code == 404
    assert not entries_for(ReportExport, action=LogEntry.Action.ACCESS).exists()


def test_the_streamed_suggestions_csv_is_recorded_as_a_download_by_the_admin(client, admin):
    year = timezone.localdate().year

    response = client.get(url("report_suggestions_csv", year=year))
    b"".join(response.streaming_content)

    entry = entries_for(ReportExport, action=LogEntry.Action.ACCESS).get()
    assert entry.actor == admin
    assert entry.object_repr == f"suggestions-{year}.csv"
    assert entry.additional_data == {"year": year}


# --- Roles and memberships in the admin pages -----------------------------------------------


def test_a_role_change_in_the_admin_names_the_admin_and_the_roles_and_no_password(client, admin):
    user = UserFactory(role=Role.SCHOOL, username="teacher-li", email="li@example.org")
    form = {
        "username": user.username,
        "role": Role.COMMUNITY,
        "display_name": user.display_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": "2026-03-01",
        "date_joined_1": "09:00:00",
    }

    response = client.post(url("admin:groups_user_change", object_id=user.pk), form)

    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = entries_for(User, object_id=user.pk, action=LogEntry.Action.UPDATE).get()
    assert entry.actor == admin
    assert entry.changes == {"role": [Role.SCHOOL, Role.COMMUNITY]}
    user.refresh_from_db()
    recorded = everything_recorded()
    assert user.password not in recorded
    assert "li@example.org" not in recorded


def test_groups_given_to_a_login_are_recorded(admin):
    from django.contrib.auth.models import Group

    user = UserFactory(role=Role.ADMIN)
    user.groups.add(Group.objects.create(name="报告编辑"))

    entry = entries_for(User, object_id=user.pk, action=LogEntry.Action.UPDATE).get()
    assert entry.changes == {"groups": {"type": "m2m", "operation": "add", "objects": ["报告编辑"]}}


def test_a_membership_added_and_ended_in_the_admin_names_the_admin(client, admin):
    sub_team = SubTeamFactory()
    child = MembershipFactory(sub_team=sub_team, rotation_position=1).child
    other = MembershipFactory(sub_team=SubTeamFactory()).child
    Membership.objects.filter(child=other).delete()

    added = client.post(
        url("admin:groups_membership_add"),
        {
            "child": other.pk,
            "sub_team": sub_team.pk,
            "role": MembershipRole.MEMBER,
            "starts_on": "2026-04-01",
        },
    )
    membership = Membership.objects.get(child=child)
    client.post(
        url("admin:groups_membership_changelist"),
        {"action": "end_today", "_selected_action": [membership.pk]},
    )

    assert added.status_code == 302
    created = entries_for(Membership, action=LogEntry.Action.CREATE, actor=admin).get()
    assert created.changes["child"] == ["None", str(other.pk)]
    assert other.pseudonym in created.object_repr
    ended = entries_for(Membership, object_id=membership.pk, action=LogEntry.Action.UPDATE).get()
    assert ended.actor == admin
    assert ended.changes["ends_on"] == ["None", str(timezone.localdate())]


def test_a_mentors_sub_teams_are_recorded(admin):
    mentor = MentorFactory()
    sub_team = SubTeamFactory()

    mentor.sub_teams.add(sub_team)

    entry = LogEntry.objects.get_for_object(mentor).get(action=LogEntry.Action.UPDATE)
    assert entry.changes["sub_teams"] == {
        "type": "m2m",
        "operation": "add",
        "objects": [str(sub_team)],
    }


# --- What is never recorded -----------------------------------------------------------------


def test_a_childs_real_name_is_nowhere_in_the_trail_but_the_pseudonym_is(client, pipe, admin):
    ChildPersonalData.objects.create(child=pipe.child, real_name=REAL_NAME, address="文三路")
    pipe.child_user.display_name = pipe.child.pseudonym
    pipe.child_user.save()
    MembershipFactory(child=pipe.child)
    GuardianshipFactory(child=pipe.child)
    suggestion = submitted_and_routed(pipe)
    suggestion_transition(suggestion=suggestion, action="collect", user=pipe.school_staff)
    personal = ChildPersonalData.objects.get(child=pipe.child)
    personal.contact_phone = "13800000000"
    personal.save()

    recorded = everything_recorded()
    assert pipe.child.pseudonym in recorded
    assert REAL_NAME not in recorded
    assert "13800000000" not in recorded
    assert not LogEntry.objects.get_for_model(ChildPersonalData).exists()
    page = client.get(url("audit_trail"))
    assert pipe.child.pseudonym in page.text
    assert REAL_NAME not in page.text


def test_only_the_named_fields_of_each_model_are_recorded_and_each_has_a_kind():
    kinds = {pair for pairs in ENTRY_KINDS.values() for pair in pairs}
    for label, fields in RECORDED_FIELDS.items():
        model = apps.get_model(label)
        assert auditlog.contains(model)
        assert auditlog.get_model_fields(model)["include_fields"] == fields
        assert (model._meta.app_label, model._meta.model_name) in kinds
    assert "password" not in RECORDED_FIELDS["groups.User"]
    assert not auditlog.contains(ChildPersonalData)


def test_the_demo_data_leaves_no_entry():
    call_command("seed_demo", stdout=StringIO())

    assert User.objects.filter(role=Role.ADMIN).exists()
    assert not LogEntry.objects.exists()
