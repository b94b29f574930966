"""The stepper's four steps (儿童发起 → 学校收集 → 社区承接 → 部门落实): which is done, which
holds the suggestion now and who has it, and where a finished one ended (issue 18)."""

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from suggestions.models import Suggestion
from suggestions.selectors import suggestion_detail, suggestion_stages
from suggestions.workflow import FINAL_STATES, State, Step, step_of
from tests.suggestions.factories import Pipeline
from tests.suggestions.test_services import act, at, outcome, refresh


def statuses(stages):
    return [step.status for step in stages.steps]


def test_every_open_state_is_at_one_step_and_no_final_state_is():
    for state in State:
        assert (step_of(state) is None) == (state in FINAL_STATES), state


def test_a_suggestion_on_its_way_is_at_the_step_it_is_going_to():
    assert step_of(State.SUBMITTED) == Step.SCHOOL
    assert step_of(State.COLLECTED) == Step.COMMUNITY
    assert step_of(State.REFERRED) == Step.DEPARTMENT
    assert step_of(State.RETURNED) == Step.CHILD


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (State.DRAFT, ["current", "upcoming", "upcoming", "upcoming"]),
        (State.RETURNED, ["current", "upcoming", "upcoming", "upcoming"]),
        (State.SUBMITTED, ["done", "current", "upcoming", "upcoming"]),
        (State.AT_COMMUNITY, ["done", "done", "current", "upcoming"]),
        (State.IN_PROGRESS, ["done", "done", "done", "current"]),
    ],
)
def test_an_open_suggestion_has_done_steps_then_one_current_then_those_to_come(state, expected):
    stages = suggestion_stages(Suggestion(state=state))

    assert statuses(stages) == expected
    assert [step.step for step in stages.steps] == list(Step)
    assert all(step.label and step.icon and step.status_label for step in stages.steps)


def test_only_a_draft_a_returned_or_a_finished_suggestion_has_an_outcome():
    assert suggestion_stages(Suggestion(state=State.RETURNED)).outcome_label
    assert suggestion_stages(Suggestion(state=State.AT_SCHOOL)).outcome_label == ""


def test_a_finished_suggestion_ends_where_its_last_move_came_from():
    declined = suggestion_stages(Suggestion(state=State.DECLINED), came_from=State.AT_COMMUNITY)
    local = suggestion_stages(Suggestion(state=State.IMPLEMENTED), came_from=State.AT_COMMUNITY)

    assert statuses(declined) == ["done", "done", "stopped", "not_reached"]
    assert statuses(local) == ["done", "done", "done", "not_needed"]
    assert declined.current is None


@pytest.mark.django_db
def test_the_current_step_says_who_has_it_and_by_when():
    pipe = Pipeline()
    s = at(pipe, State.AT_COMMUNITY)

    current = suggestion_stages(s).current

    assert current.step == Step.COMMUNITY
    assert current.owner == pipe.community
    assert current.due_at == s.due_at
    assert not current.overdue


@pytest.mark.django_db
def test_a_suggestion_the_community_did_itself_reads_its_end_from_the_history(
    django_assert_num_queries,
):
    pipe = Pipeline()
    s = at(pipe, State.AT_COMMUNITY)
    act(s, "resolve_locally", pipe.community_staff, outcome=outcome())
    s = suggestion_detail(pk=refresh(s).pk)

    with django_assert_num_queries(0):
        stages = suggestion_stages(s)

    assert statuses(stages) == ["done", "done", "done", "not_needed"]
    assert stages.state == State.IMPLEMENTED
    assert s.closed_at <= timezone.now()


def test_the_stepper_is_an_ordered_list_with_one_current_step_said_in_words():
    template = Template(
        "{% load journey %}{% suggestion_stages suggestion as stages %}"
        '{% include "includes/stepper.html" %}{% include "includes/stepper_mini.html" %}'
    )
    with translation.override("zh-hans"):
        html = template.render(Context({"suggestion": Suggestion(state=State.COLLECTED)}))

    assert html.count('<ol class="stepper"') == 1
    assert html.count('<ol class="stepper-mini"') == 1
    assert html.count('aria-current="step"') == 2
    for words in ("儿童发起", "学校收集", "社区承接", "部门落实", "现在在这里", "完成了"):
        assert words in html


@pytest.mark.parametrize(
    ("state", "says", "never"),
    [
        (State.IN_PROGRESS, "Plans to finish by 2026-12-24.", "Answer by"),
        (State.AT_SCHOOL, "Answer by 2026-12-24.", "Plans to finish"),
    ],
)
def test_the_stepper_says_a_plan_while_it_is_built_and_a_deadline_before(state, says, never):
    from datetime import datetime

    moment = timezone.make_aware(datetime(2026, 12, 24, 12))
    suggestion = Suggestion(state=state, due_at=moment)
    html = Template(
        '{% load journey %}{% suggestion_stages s as stages %}{% include "includes/stepper.html" %}'
    )
    with translation.override("en"):
        text = html.render(Context({"s": suggestion}))

    assert says in text
    assert never not in text
