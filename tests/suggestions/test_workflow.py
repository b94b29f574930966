"""The workflow table, on its own: no database."""

import pytest

from suggestions import workflow
from suggestions.workflow import FINAL_STATES, MOVES, Actor, IllegalMove, State, move_for

# The table as DESIGN.md section 3 draws it: (action, from, to, who).
EXPECTED = {
    ("submit", State.DRAFT, State.SUBMITTED, Actor.CHILD),
    ("resubmit", State.RETURNED, State.SUBMITTED, Actor.CHILD),
    ("route_to_school", State.SUBMITTED, State.AT_SCHOOL, Actor.ROUTER),
    ("collect", State.AT_SCHOOL, State.COLLECTED, Actor.SCHOOL),
    ("return", State.AT_SCHOOL, State.RETURNED, Actor.SCHOOL),
    ("merge", State.AT_SCHOOL, State.MERGED, Actor.SCHOOL),
    ("route_to_community", State.COLLECTED, State.AT_COMMUNITY, Actor.ROUTER),
    ("resolve_locally", State.AT_COMMUNITY, State.IMPLEMENTED, Actor.COMMUNITY),
    ("forward", State.AT_COMMUNITY, State.FORWARDED, Actor.COMMUNITY),
    ("route_to_department", State.FORWARDED, State.AT_DEPARTMENT, Actor.ROUTER),
    ("route_to_department", State.REFERRED, State.AT_DEPARTMENT, Actor.ROUTER),
    ("accept", State.AT_DEPARTMENT, State.IN_PROGRESS, Actor.DEPARTMENT),
    ("refer", State.AT_DEPARTMENT, State.REFERRED, Actor.DEPARTMENT),
    ("refer", State.IN_PROGRESS, State.REFERRED, Actor.DEPARTMENT),
    ("mark_implemented", State.IN_PROGRESS, State.IMPLEMENTED, Actor.DEPARTMENT),
    ("decline", State.AT_SCHOOL, State.DECLINED, Actor.SCHOOL),
    ("decline", State.AT_COMMUNITY, State.DECLINED, Actor.COMMUNITY),
    ("decline", State.AT_DEPARTMENT, State.DECLINED, Actor.DEPARTMENT),
    ("decline", State.IN_PROGRESS, State.DECLINED, Actor.DEPARTMENT),
    *{("decline", state, State.DECLINED, Actor.ADMIN) for state in workflow.OPEN_STATES},
    *{
        ("withdraw", state, State.WITHDRAWN, Actor.CHILD)
        for state in workflow.OPEN_STATES | {State.DRAFT, State.RETURNED}
    },
}


def legal_moves():
    found = set()
    for action in MOVES:
        for state in State:
            for actor in Actor:
                try:
                    move = move_for(action, state, actor)
                except IllegalMove:
                    continue
                found.add((action, state, move.target, actor))
    return found


def test_the_table_allows_exactly_the_moves_of_the_design():
    assert legal_moves() == EXPECTED


def test_nothing_moves_a_suggestion_out_of_a_final_state():
    assert not {move for move in legal_moves() if move[1] in FINAL_STATES}


def test_withdrawing_is_impossible_once_implemented():
    with pytest.raises(IllegalMove) as refused:
        move_for("withdraw", State.IMPLEMENTED, Actor.CHILD)

    assert refused.value.reason == "wrong_state"


def test_a_school_cannot_decline_what_is_at_the_community():
    with pytest.raises(IllegalMove) as refused:
        move_for("decline", State.AT_COMMUNITY, Actor.SCHOOL)

    assert refused.value.reason == "wrong_actor"


def test_an_unknown_action_is_refused():
    with pytest.raises(IllegalMove) as refused:
        move_for("teleport", State.AT_SCHOOL, Actor.SCHOOL)

    assert refused.value.reason == "unknown_action"


def test_every_open_state_is_either_waiting_for_the_router_or_on_a_desk():
    assert set(workflow.ROUTING).isdisjoint(workflow.OWNED_STATES)
    assert workflow.OPEN_STATES | FINAL_STATES | {State.DRAFT, State.RETURNED} == set(State)


def test_each_state_waiting_for_the_router_names_the_move_the_router_makes():
    for state, route in workflow.ROUTING.items():
        move = move_for(route.action, state, Actor.ROUTER)

        assert workflow.stage_of(move.target) == route.stage


def test_reporting_progress_is_an_action_of_the_pages_but_not_a_move():
    assert workflow.PROGRESS.action in workflow.ACTIONS
    assert workflow.PROGRESS.action not in MOVES
    assert workflow.PROGRESS.sources == {workflow.PROGRESS.target}


def test_the_moves_that_need_words_for_the_child():
    assert MOVES["decline"].needs == {"note"}
    assert MOVES["return"].needs == {"note"}
    assert MOVES["mark_implemented"].needs == {"outcome"}
    assert MOVES["resolve_locally"].needs == {"outcome"}


def test_actions_for_lists_what_the_school_may_do_at_school():
    assert workflow.actions_for(State.AT_SCHOOL, Actor.SCHOOL) == [
        "collect",
        "return",
        "merge",
        "decline",
    ]


def test_the_inbox_index_covers_exactly_the_states_on_a_desk():
    from suggestions.models import INBOX_STATES

    assert set(INBOX_STATES) == set(workflow.OWNED_STATES)
