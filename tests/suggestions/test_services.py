from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from groups.models import Role
from suggestions import services
from suggestions.models import (
    Notification,
    RoutingJob,
    RoutingRule,
    StageChange,
    StageDeadline,
    Suggestion,
)
from suggestions.workflow import IllegalMove, State
from tests.groups.factories import ChildFactory, UserFactory
from tests.suggestions.factories import SuggestionFactory, route_pending

pytestmark = pytest.mark.django_db


def act(suggestion, action, user, **kwargs):
    return services.suggestion_transition(suggestion=suggestion, action=action, user=user, **kwargs)


def outcome(**kwargs):
    return {
        "description": "校门口画了斑马线，设置了儿童停车区。",
        "quantity": Decimal(1),
        "unit": "个儿童停车场",
        "completed_on": timezone.localdate(),
        **kwargs,
    }


def at(pipe, state):
    """A suggestion walked to `state` along the main road."""
    s = pipe.draft()
    act(s, "submit", pipe.child_user)
    route_pending()
    if state == State.AT_SCHOOL:
        return refresh(s)
    act(refresh(s), "collect", pipe.school_staff)
    route_pending()
    if state == State.AT_COMMUNITY:
        return refresh(s)
    act(refresh(s), "forward", pipe.community_staff)
    route_pending()
    if state == State.AT_DEPARTMENT:
        return refresh(s)
    act(refresh(s), "accept", pipe.department_staff, planned_on=timezone.localdate())
    return refresh(s)


def refresh(suggestion):
    return Suggestion.objects.get(pk=suggestion.pk)


def test_the_whole_journey_from_child_to_department_with_one_history_row_per_move(pipe):
    s = at(pipe, State.IN_PROGRESS)
    act(s, "mark_implemented", pipe.department_staff, outcome=outcome())

    s = refresh(s)
    assert s.state == State.IMPLEMENTED
    assert s.outcome.unit == "个儿童停车场"
    assert list(s.history.values_list("action", "actor__role")) == [
        ("submit", Role.CHILD),
        ("route_to_school", None),
        ("collect", Role.SCHOOL),
        ("route_to_community", None),
        ("forward", Role.COMMUNITY),
        ("route_to_department", None),
        ("accept", Role.DEPARTMENT),
        ("mark_implemented", Role.DEPARTMENT),
    ]
    assert s.version == 8


def test_routing_gives_each_stage_its_owner_and_due_date(pipe):
    StageDeadline.objects.update_or_create(stage="school", defaults={"days": 3})

    s = at(pipe, State.AT_SCHOOL)

    assert s.owner == pipe.school
    assert s.due_at.date() == (timezone.now() + timedelta(days=3)).date()
    s = at(pipe, State.AT_COMMUNITY)
    assert s.owner == pipe.community
    assert (s.due_at - s.stage_started_at).days == 14
    s = at(pipe, State.AT_DEPARTMENT)
    assert s.owner == pipe.department
    assert (s.due_at - s.stage_started_at).days == 30


def test_the_owners_staff_are_told_in_the_portal_and_by_email(
    pipe, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        s = pipe.draft()
        act(s, "submit", pipe.child_user)

    assert refresh(s).state == State.AT_SCHOOL, "the router ran (eagerly) after the commit"
    assert Notification.objects.filter(recipient=pipe.school_staff, kind="new_in_inbox").exists()
    (email,) = mail.outbox
    assert email.to == ["school@example.org"]
    assert "小白鹭" not in email.body and s.title not in email.body, "nothing about the child"


def test_a_community_may_name_the_department(pipe):
    s = at(pipe, State.AT_COMMUNITY)
    act(s, "forward", pipe.community_staff, department=pipe.other_department)
    route_pending()

    assert refresh(s).owner == pipe.other_department


def test_no_department_found_flags_the_suggestion_for_the_office_and_keeps_it(pipe):
    RoutingRule.objects.all().delete()
    s = at(pipe, State.AT_COMMUNITY)
    act(s, "forward", pipe.community_staff)

    assert route_pending() == ["flagged"]

    s = refresh(s)
    assert s.state == State.FORWARDED
    assert s.needs_admin
    assert Notification.objects.filter(recipient=pipe.admin, kind="needs_admin").exists()
    RoutingRule.objects.create(focus_area=pipe.focus_area, department=pipe.department)
    services.suggestion_route_again(suggestion=s)
    assert route_pending() == ["routed"]
    assert refresh(s).state == State.AT_DEPARTMENT
    assert not refresh(s).needs_admin


def test_a_routing_job_delivered_twice_routes_once(pipe):
    s = pipe.draft()
    act(s, "submit", pipe.child_user)
    job = RoutingJob.objects.get()

    first = services.suggestion_route(job_id=job.pk)
    second = services.suggestion_route(job_id=job.pk)

    assert (first, second) == ("routed", "done_already")
    assert s.history.filter(action="route_to_school").count() == 1


def test_a_job_for_a_suggestion_moved_meanwhile_does_nothing(pipe):
    s = pipe.draft()
    act(s, "submit", pipe.child_user)
    act(refresh(s), "withdraw", pipe.child_user)

    assert route_pending() == ["moved_meanwhile"]
    assert refresh(s).state == State.WITHDRAWN


def test_an_illegal_move_is_refused_and_changes_nothing(pipe):
    s = at(pipe, State.AT_SCHOOL)
    before = StageChange.objects.count()

    with pytest.raises(IllegalMove):
        act(s, "mark_implemented", pipe.school_staff, outcome=outcome())

    assert refresh(s).state == State.AT_SCHOOL
    assert StageChange.objects.count() == before
    assert not hasattr(refresh(s), "outcome") or refresh(s).outcome is None


def test_staff_of_another_organisation_are_not_allowed_and_it_is_logged(pipe, caplog):
    s = at(pipe, State.AT_DEPARTMENT)

    with pytest.raises(services.NotAllowed):
        act(s, "accept", pipe.other_department_staff, planned_on=timezone.localdate())

    assert refresh(s).state == State.AT_DEPARTMENT
    assert f"refused action accept on suggestion {s.pk}" in caplog.text


def test_a_stale_form_changes_nothing(pipe):
    s = at(pipe, State.AT_SCHOOL)
    seen = s.version
    act(s, "collect", pipe.school_staff, expected_version=seen)

    with pytest.raises(services.StaleSuggestion):
        act(refresh(s), "return", pipe.school_staff, expected_version=seen, note="?")

    assert refresh(s).state == State.COLLECTED


def test_declining_needs_a_reason_and_the_child_and_guardian_read_it(pipe):
    from tests.groups.factories import GuardianshipFactory

    guardian = GuardianshipFactory(child=pipe.child).guardian.user
    s = at(pipe, State.AT_SCHOOL)

    with pytest.raises(ValidationError):
        act(s, "decline", pipe.school_staff, note="  ")
    act(s, "decline", pipe.school_staff, note="这条路归省里管，我们会转告。")

    s = refresh(s)
    assert s.state == State.DECLINED
    assert s.answer == "这条路归省里管，我们会转告。"
    for user in (pipe.child_user, guardian):
        assert Notification.objects.filter(recipient=user, suggestion=s, kind="answered").exists()


def test_return_then_edit_and_resubmit_goes_back_to_the_school(pipe):
    s = at(pipe, State.AT_SCHOOL)
    act(s, "return", pipe.school_staff, note="是哪个校门？")
    assert Notification.objects.filter(recipient=pipe.child_user, kind="returned").exists()

    services.suggestion_update(
        suggestion=refresh(s),
        user=pipe.child_user,
        submit=True,
        expected_version=refresh(s).version,
        place="南门",
    )
    route_pending()

    s = refresh(s)
    assert (s.state, s.place, s.owner) == (State.AT_SCHOOL, "南门", pipe.school)


def test_merge_needs_an_open_suggestion_and_links_to_it(pipe):
    s = at(pipe, State.AT_SCHOOL)
    other = at(pipe, State.AT_SCHOOL)

    closed = at(pipe, State.AT_SCHOOL)
    act(closed, "decline", pipe.school_staff, note="已有类似设施")

    with pytest.raises(ValidationError):
        act(s, "merge", pipe.school_staff, merged_into=s)
    with pytest.raises(ValidationError):
        act(s, "merge", pipe.school_staff, merged_into=refresh(closed))
    with pytest.raises(ValidationError):
        act(s, "merge", pipe.school_staff, merged_into=pipe.draft())
    act(s, "merge", pipe.school_staff, merged_into=other)

    assert refresh(s).merged_into == other


def test_merge_is_refused_into_another_schools_suggestion_whatever_the_door(pipe):
    s = at(pipe, State.AT_SCHOOL)
    elsewhere = SuggestionFactory(child=ChildFactory(user=UserFactory(role=Role.CHILD)))
    act(elsewhere, "submit", elsewhere.child.user)
    route_pending()
    elsewhere = refresh(elsewhere)
    assert elsewhere.state == State.AT_SCHOOL

    with pytest.raises(ValidationError) as refused:
        act(s, "merge", pipe.school_staff, merged_into=elsewhere)

    assert set(refused.value.message_dict) == {"merged_into"}
    assert (refresh(s).state, refresh(s).merged_into) == (State.AT_SCHOOL, None)


def test_the_answer_to_the_one_that_goes_on_reaches_the_children_merged_into_it(pipe):
    s = at(pipe, State.AT_SCHOOL)
    other = at(pipe, State.AT_SCHOOL)
    act(s, "merge", pipe.school_staff, merged_into=other)

    act(refresh(other), "decline", pipe.school_staff, note="这条路归省里管。")

    assert Notification.objects.filter(
        recipient=pipe.child_user, suggestion=s, kind="answered"
    ).exists()


def test_the_child_may_withdraw_before_it_is_implemented_but_not_after(pipe):
    s = at(pipe, State.IN_PROGRESS)
    act(s, "withdraw", pipe.child_user)
    assert refresh(s).state == State.WITHDRAWN

    done = at(pipe, State.IN_PROGRESS)
    act(done, "mark_implemented", pipe.department_staff, outcome=outcome())
    with pytest.raises(IllegalMove):
        act(refresh(done), "withdraw", pipe.child_user)


def test_another_child_cannot_touch_it(pipe):
    from tests.groups.factories import ChildUserFactory

    s = pipe.draft()

    with pytest.raises(services.NotAllowed):
        act(s, "submit", ChildUserFactory())


def test_the_department_reports_progress_and_the_child_is_told(pipe):
    s = at(pipe, State.IN_PROGRESS)

    services.suggestion_progress_update(
        suggestion=s, user=pipe.department_staff, percent=40, note="图纸已经画好。"
    )

    assert refresh(s).progress == 40
    assert Notification.objects.filter(recipient=pipe.child_user, kind="progress").exists()
    with pytest.raises(ValidationError):
        services.suggestion_progress_update(
            suggestion=s, user=pipe.department_staff, percent=140, note="x"
        )


def test_a_progress_report_from_a_stale_page_changes_nothing(pipe):
    s = at(pipe, State.IN_PROGRESS)

    with pytest.raises(services.StaleSuggestion):
        services.suggestion_progress_update(
            suggestion=s,
            user=pipe.department_staff,
            percent=40,
            note="图纸已经画好。",
            expected_version=s.version - 1,
        )

    assert refresh(s).progress == 0


def test_everything_a_move_of_the_table_needs_or_takes_has_its_check():
    from suggestions.workflow import MOVES

    for move in MOVES.values():
        assert move.needs <= set(services._NEEDS), move.action
        assert move.takes <= set(services._TAKES), move.action


def test_accepting_needs_a_planned_date_not_in_the_past(pipe):
    s = at(pipe, State.AT_DEPARTMENT)

    with pytest.raises(ValidationError):
        act(s, "accept", pipe.department_staff, planned_on=timezone.localdate() - timedelta(1))
    with pytest.raises(ValidationError):
        act(s, "accept", pipe.department_staff)

    assert refresh(s).state == State.AT_DEPARTMENT


def test_referring_sends_it_to_the_other_department(pipe):
    s = at(pipe, State.AT_DEPARTMENT)

    act(s, "refer", pipe.department_staff, department=pipe.other_department, note="园林局负责")
    route_pending()

    assert refresh(s).owner == pipe.other_department
    with pytest.raises(ValidationError):
        act(refresh(s), "refer", pipe.other_department_staff, department=pipe.other_department)


def test_the_community_may_resolve_it_locally_with_an_outcome(pipe):
    s = at(pipe, State.AT_COMMUNITY)

    with pytest.raises(ValidationError):
        act(s, "resolve_locally", pipe.community_staff, outcome={"description": ""})
    act(s, "resolve_locally", pipe.community_staff, outcome=outcome(unit="个健身站"))

    assert refresh(s).state == State.IMPLEMENTED


def test_overdue_stages_are_flagged_once_and_their_owner_and_the_office_told(pipe):
    s = at(pipe, State.AT_SCHOOL)
    later = s.due_at + timedelta(hours=1)

    assert services.suggestions_flag_overdue(now=later) == 1
    assert services.suggestions_flag_overdue(now=later + timedelta(hours=1)) == 0

    s = refresh(s)
    assert s.overdue_since == later
    for user in (pipe.school_staff, pipe.admin):
        assert Notification.objects.filter(recipient=user, kind="overdue").count() == 1


def test_moving_on_clears_the_overdue_flag(pipe):
    s = at(pipe, State.AT_SCHOOL)
    services.suggestions_flag_overdue(now=s.due_at + timedelta(hours=1))

    act(refresh(s), "collect", pipe.school_staff)

    assert refresh(s).overdue_since is None
