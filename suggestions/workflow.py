"""Every legal move of a suggestion, in one table. Pure Python: no database, no Django models.

    draft ─submit→ submitted ─route→ at_school ─collect→ collected ─route→ at_community
    at_community ─forward→ forwarded ─route→ at_department ─accept→ in_progress
    in_progress ─mark implemented→ implemented;   at_community ─resolve locally→ implemented
    at_school ─return→ returned ─resubmit→ submitted;   at_school ─merge→ merged
    at_department / in_progress ─refer→ referred ─route→ at_department
    any open state ─decline (reason)→ declined;   the child ─withdraw→ withdrawn (before the end)

The states `submitted`, `collected`, `forwarded` and `referred` wait for the router (the Celery
worker), which finds the next owner and moves the suggestion on.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from django.utils.translation import gettext_lazy as _

from hangzhou_cfc.errors import Conflict


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    AT_SCHOOL = "at_school"
    RETURNED = "returned"
    MERGED = "merged"
    COLLECTED = "collected"
    AT_COMMUNITY = "at_community"
    FORWARDED = "forwarded"
    REFERRED = "referred"
    AT_DEPARTMENT = "at_department"
    IN_PROGRESS = "in_progress"
    IMPLEMENTED = "implemented"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class Actor(StrEnum):
    """Who makes a move: the child who wrote the suggestion, the owner's staff, or the router."""

    CHILD = "child"
    SCHOOL = "school"
    COMMUNITY = "community"
    DEPARTMENT = "department"
    ADMIN = "admin"
    ROUTER = "router"


class Stage(StrEnum):
    """Whose desk a suggestion is on; each has its own default deadline."""

    SCHOOL = "school"
    COMMUNITY = "community"
    DEPARTMENT = "department"


class Route(NamedTuple):
    action: str  # the router's move, in MOVES
    stage: Stage  # whose desk it takes the suggestion to


FINAL_STATES = frozenset({State.IMPLEMENTED, State.DECLINED, State.MERGED, State.WITHDRAWN})
# Waiting for the router, and the move the router makes from each.
ROUTING = {
    State.SUBMITTED: Route("route_to_school", Stage.SCHOOL),
    State.COLLECTED: Route("route_to_community", Stage.COMMUNITY),
    State.FORWARDED: Route("route_to_department", Stage.DEPARTMENT),
    State.REFERRED: Route("route_to_department", Stage.DEPARTMENT),
}
# On someone's desk: the owner organisation must act before the due date.
OWNED_STATES = {
    State.AT_SCHOOL: Stage.SCHOOL,
    State.AT_COMMUNITY: Stage.COMMUNITY,
    State.AT_DEPARTMENT: Stage.DEPARTMENT,
    State.IN_PROGRESS: Stage.DEPARTMENT,
}
OPEN_STATES = frozenset(ROUTING) | frozenset(OWNED_STATES)


@dataclass(frozen=True)
class Move:
    action: str
    sources: frozenset[State]
    target: State
    actors: frozenset[Actor]
    # What the actor must give with the move: a note, a reason, an outcome, a target …
    needs: frozenset[str] = frozenset()
    # What the actor may give with it besides a note (which every move takes).
    takes: frozenset[str] = frozenset()


def _move(action, sources, target, actors, needs=(), takes=()):
    return Move(
        action, frozenset(sources), target, frozenset(actors), frozenset(needs), frozenset(takes)
    )


_STAFF_OF_STAGE = {
    Stage.SCHOOL: Actor.SCHOOL,
    Stage.COMMUNITY: Actor.COMMUNITY,
    Stage.DEPARTMENT: Actor.DEPARTMENT,
}

MOVES: dict[str, Move] = {
    move.action: move
    for move in [
        _move("submit", {State.DRAFT}, State.SUBMITTED, {Actor.CHILD}),
        _move("resubmit", {State.RETURNED}, State.SUBMITTED, {Actor.CHILD}),
        _move("withdraw", OPEN_STATES | {State.DRAFT, State.RETURNED}, State.WITHDRAWN,
              {Actor.CHILD}),
        _move("route_to_school", {State.SUBMITTED}, State.AT_SCHOOL, {Actor.ROUTER}),
        _move("collect", {State.AT_SCHOOL}, State.COLLECTED, {Actor.SCHOOL}),
        _move("return", {State.AT_SCHOOL}, State.RETURNED, {Actor.SCHOOL}, {"note"}),
        _move("merge", {State.AT_SCHOOL}, State.MERGED, {Actor.SCHOOL}, {"merged_into"}),
        _move("route_to_community", {State.COLLECTED}, State.AT_COMMUNITY, {Actor.ROUTER}),
        _move("resolve_locally", {State.AT_COMMUNITY}, State.IMPLEMENTED, {Actor.COMMUNITY},
              {"outcome"}),
        _move("forward", {State.AT_COMMUNITY}, State.FORWARDED, {Actor.COMMUNITY},
              takes={"department"}),
        _move("route_to_department", {State.FORWARDED, State.REFERRED}, State.AT_DEPARTMENT,
              {Actor.ROUTER}),
        _move("accept", {State.AT_DEPARTMENT}, State.IN_PROGRESS, {Actor.DEPARTMENT},
              {"planned_on"}),
        _move("refer", {State.AT_DEPARTMENT, State.IN_PROGRESS}, State.REFERRED,
              {Actor.DEPARTMENT}, {"department"}),
        _move("mark_implemented", {State.IN_PROGRESS}, State.IMPLEMENTED, {Actor.DEPARTMENT},
              {"outcome"}),
        # Declining is for whoever owns the suggestion now; the programme office may decline
        # anything still open, also what waits for the router.
        _move("decline", OPEN_STATES, State.DECLINED,
              {Actor.SCHOOL, Actor.COMMUNITY, Actor.DEPARTMENT, Actor.ADMIN}, {"note"}),
    ]
}  # fmt: skip

# Not a move: the department reports how far the work has come, and the state stays. The pages
# offer it among the moves, under its own name.
PROGRESS = _move("progress", {State.IN_PROGRESS}, State.IN_PROGRESS, {Actor.DEPARTMENT})
# Every action a page may post: the moves and the progress report.
ACTIONS = frozenset(MOVES) | {PROGRESS.action}


class IllegalMove(Conflict):
    """The move is not in the table for this state and actor. Nothing was changed."""

    code = "illegal_move"
    message = _("This step is not possible for this suggestion now.")

    def __init__(self, action: str, state: State, actor: Actor, reason: str):
        super().__init__(f"{action} from {state} by {actor}: {reason}")
        self.action, self.state, self.actor, self.reason = action, state, actor, reason

    def fields(self) -> dict[str, list[str]]:
        return {"reason": [self.reason]}


def move_for(action: str, state: State, actor: Actor) -> Move:
    """The move `action` from `state` by `actor`, or IllegalMove saying why not."""
    move = MOVES.get(action)
    if move is None:
        raise IllegalMove(action, state, actor, "unknown_action")
    if state not in move.sources:
        raise IllegalMove(action, state, actor, "wrong_state")
    if actor not in move.actors:
        raise IllegalMove(action, state, actor, "wrong_actor")
    # Staff decline only what sits on their own stage's desk.
    stage = OWNED_STATES.get(state)
    declines_elsewhere = action == "decline" and actor in _STAFF_OF_STAGE.values()
    if declines_elsewhere and (stage is None or _STAFF_OF_STAGE[stage] != actor):
        raise IllegalMove(action, state, actor, "wrong_actor")
    return move


def actions_for(state: State, actor: Actor) -> list[str]:
    """The actions `actor` may take from `state`, in table order."""
    allowed = []
    for action in MOVES:
        try:
            move_for(action, state, actor)
        except IllegalMove:
            continue
        allowed.append(action)
    return allowed


def stage_of(state: State) -> Stage | None:
    return OWNED_STATES.get(state)


class Step(StrEnum):
    """The four steps of the journey as a child sees it: 儿童发起 → 学校收集 → 社区承接 →
    部门落实. The last three are the stages; the first is the child's own desk."""

    CHILD = "child"
    SCHOOL = Stage.SCHOOL.value
    COMMUNITY = Stage.COMMUNITY.value
    DEPARTMENT = Stage.DEPARTMENT.value


def step_of(state: State) -> Step | None:
    """The step an open suggestion is at: on that desk, or on its way to it (the router's
    target). None for a final state: where it ended is the state its last move came from."""
    if state in (State.DRAFT, State.RETURNED):
        return Step.CHILD
    stage = OWNED_STATES.get(state) or ROUTING.get(state, (None, None))[1]
    return Step(stage) if stage else None
