"""Writes of the suggestions app. Every state change goes through `_move`, reached by
`suggestion_transition` (people) and `suggestion_route` (the router)."""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groups.models import Child, Organisation, OrganisationKind, Role, User
from hangzhou_cfc.effects import after_commit, task_send
from hangzhou_cfc.errors import Conflict, NotAllowed
from hangzhou_cfc.health import database_answers
from messaging.models import Channel, Message, Topic
from messaging.preferences import STAFF_ROLES, reach_of
from messaging.services import messages_deliver
from places.models import Division, DivisionLevel, Place

from . import permissions, selectors, workflow
from .models import (
    Notification,
    NotificationKind,
    OnBehalfRecord,
    Outcome,
    PlaceCorrection,
    ProgressUpdate,
    RoutedBy,
    RoutingJob,
    RoutingRule,
    StageChange,
    StageDeadline,
    Suggestion,
    SuggestionAuthor,
    Voice,
)
from .permissions import actor_for, may_correct_place, voice_refusal
from .photos import clean_scan
from .search import suggestion_words
from .workflow import Actor, IllegalMove, Stage, State

logger = logging.getLogger(__name__)

DEFAULT_DEADLINE_DAYS = {Stage.SCHOOL: 7, Stage.COMMUNITY: 14, Stage.DEPARTMENT: 30}


class StaleSuggestion(Conflict):
    """Someone else moved the suggestion since the form was opened. Nothing was changed."""

    code = "stale"
    message = gettext_lazy("Someone else moved this suggestion meanwhile.")


def _require_version(suggestion: Suggestion, expected_version: int | None) -> None:
    """StaleSuggestion if the form was made for another version of the locked suggestion than
    the one it has now (a form that names no version is not checked)."""
    if expected_version is not None and suggestion.version != expected_version:
        raise StaleSuggestion


# --- Notices --------------------------------------------------------------------------------


def _staff_of(organisation_id) -> list[User]:
    if organisation_id is None:
        return []
    return list(User.objects.filter(staff__organisation_id=organisation_id, is_active=True))


def _admins() -> list[User]:
    return list(User.objects.filter(role=Role.ADMIN, is_active=True))


def _child_and_guardians(suggestion: Suggestion) -> list[User]:
    # Recorded on behalf of several children, or a group: every author and their guardians are
    # told like the first (in the same one query).
    users = list(
        User.objects.filter(
            Q(guardian__children=suggestion.child_id, is_active=True)
            | Q(child__authorships__suggestion=suggestion)
            | Q(guardian__children__authorships__suggestion=suggestion, is_active=True)
        ).distinct()
    )
    if suggestion.child.user_id:
        users.append(suggestion.child.user)
    return users


# What each notice is about, for the channels its reader chose for that (messaging/).
TOPIC_OF = {
    NotificationKind.NEW_IN_INBOX: Topic.WORK,
    NotificationKind.NEEDS_ADMIN: Topic.WORK,
    NotificationKind.OVERDUE: Topic.OVERDUE,
    NotificationKind.MOVED: Topic.NEWS,
    NotificationKind.RETURNED: Topic.NEWS,
    NotificationKind.PROGRESS: Topic.NEWS,
    NotificationKind.ANSWERED: Topic.NEWS,
    NotificationKind.VOICE: Topic.NEWS,
}
# A suggestion passing from desk to desk is told in the portal only (and in a family's weekly
# digest): an e-mail or an SMS at each step would teach families to ignore them. So is each
# "me too".
PORTAL_ONLY = {NotificationKind.MOVED, NotificationKind.VOICE}


def _notify(recipients, suggestion: Suggestion, kind: str) -> None:
    """The notice in each recipient's inbox, and its message on every other channel they
    chose for its topic, all in this transaction (messaging.services.messages_deliver).
    A child whose guardian turned their messages off is not told."""
    users = list({user.pk: user for user in recipients}.values())
    if not users:
        return
    topic = TOPIC_OF[kind]
    reach = reach_of(users, topic)
    notices = Notification.objects.bulk_create(
        Notification(recipient=user, suggestion=suggestion, kind=kind)
        for user in users
        if Channel.INBOX in reach[user.pk].channels
    )
    messages_deliver(
        template="suggestions.notification",
        topic=topic,
        rows=[
            (
                notice.recipient,
                channel,
                {"notification": notice.pk},
                reach[notice.recipient_id].language,
            )
            for notice in notices
            for channel in reach[notice.recipient_id].channels
            if channel == Channel.INBOX or kind not in PORTAL_ONLY
        ],
    )


# --- Deadlines ------------------------------------------------------------------------------


def deadline_days(stage: Stage) -> int:
    row = StageDeadline.objects.filter(stage=stage).first()
    return row.days if row else DEFAULT_DEADLINE_DAYS[stage]


def _end_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(23, 59)))


# --- The one door for state changes ---------------------------------------------------------


def _move(
    suggestion: Suggestion,
    action: str,
    actor: Actor,
    user: User | None,
    *,
    note: str = "",
    owner: Organisation | None = None,
    due_at: datetime | None = None,
    due_in: timedelta | None = None,
    routed_by: str = "",
    routed_division: Division | None = None,
) -> StageChange:
    """Check the table, move the (locked) suggestion, write its one StageChange row.

    The caller has locked the row with select_for_update and set any fields the move carries.
    The new stage is due at `due_at`, or `due_in` from now.
    """
    move = workflow.move_for(action, State(suggestion.state), actor)
    now = timezone.now()
    if due_in is not None:
        due_at = now + due_in
    from_state = suggestion.state
    suggestion.state = move.target
    suggestion.version = F("version") + 1
    suggestion.overdue_since = None
    suggestion.needs_admin = False
    suggestion.owner = owner
    suggestion.due_at = due_at
    suggestion.stage_started_at = now if owner else None
    if move.target in workflow.FINAL_STATES:
        suggestion.closed_at = now
    if move.target == State.SUBMITTED:
        suggestion.submitted_at = now
    suggestion.save()
    suggestion.refresh_from_db(fields=["version"])
    change = StageChange.objects.create(
        suggestion=suggestion,
        action=action,
        from_state=from_state,
        to_state=move.target,
        actor=user,
        owner=owner,
        note=note,
        due_at=due_at,
        routed_by=routed_by,
        routed_division=routed_division,
    )
    if move.target in workflow.ROUTING:
        job = RoutingJob.objects.create(suggestion=suggestion, state=move.target)
        after_commit(routing_job_send, job_id=job.pk)
    return change


def _require(condition: bool, message: str, *, field: str | None = None) -> None:
    if not condition:
        raise ValidationError({field: message} if field else message)


# --- What a move needs ----------------------------------------------------------------------
# One function for each name a move lists in its `needs` (workflow.MOVES), and in its `takes`
# (what it may be given): each checks what the person gave (`given`, by name) and puts it on
# the locked suggestion, or raises ValidationError.


def _needs_note(suggestion: Suggestion, given: dict) -> None:
    _require(bool(given["note"]), _("Please write a few words for the child."))
    suggestion.answer = given["note"]


def _needs_merged_into(suggestion: Suggestion, given: dict) -> None:
    # Only into one the page would offer (an open one of the same school), checked here so
    # that no door can merge into a suggestion its user may not see. Lock it too, so that A
    # into B and B into A cannot both happen.
    merged_into = given["merged_into"]
    if merged_into is not None:
        merged_into = (
            selectors.merge_candidates(suggestion)
            .select_for_update(of=("self",))
            .filter(pk=merged_into.pk)
            .first()
        )
    _require(
        merged_into is not None,
        _("Choose an open suggestion to merge this one into."),
        field="merged_into",
    )
    suggestion.merged_into = merged_into


def _needs_planned_on(suggestion: Suggestion, given: dict) -> None:
    planned_on = given["planned_on"]
    _require(planned_on is not None, _("Give the date you plan to finish by."))
    _require(planned_on >= timezone.localdate(), _("The planned date cannot be in the past."))
    suggestion.planned_on = planned_on


def _needs_department(suggestion: Suggestion, given: dict) -> None:
    """Another city department than the one that has it (refer)."""
    department = given["department"]
    _require(
        department is not None
        and department.kind == OrganisationKind.DEPARTMENT
        and department.pk != suggestion.owner_id,
        _("Choose another city department."),
        field="department",
    )
    suggestion.requested_department = department


def _takes_department(suggestion: Suggestion, given: dict) -> None:
    """A city department, or none: then the routing rules choose (forward)."""
    department = given["department"]
    if department is not None:
        _require(
            department.kind == OrganisationKind.DEPARTMENT,
            _("Choose a city department."),
            field="department",
        )
    suggestion.requested_department = department


def _needs_outcome(suggestion: Suggestion, given: dict) -> None:
    outcome = given["outcome"]
    _require(bool(outcome and outcome.get("description")), _("Describe what was done."))
    done = Outcome(suggestion=suggestion, **outcome)
    done.full_clean()
    done.save()
    suggestion.progress = 100
    suggestion.answer = given["note"] or outcome["description"]


_NEEDS = {
    "note": _needs_note,
    "merged_into": _needs_merged_into,
    "planned_on": _needs_planned_on,
    "department": _needs_department,
    "outcome": _needs_outcome,
}
_TAKES = {"department": _takes_department}


@transaction.atomic
def suggestion_transition(
    *,
    suggestion: Suggestion,
    action: str,
    user: User,
    expected_version: int | None = None,
    note: str = "",
    merged_into: Suggestion | None = None,
    planned_on=None,
    department: Organisation | None = None,
    outcome: dict | None = None,
) -> Suggestion:
    """A person moves a suggestion. Locks it, checks the table, the person's part and what the
    move needs, and records the move; raises NotAllowed, IllegalMove, StaleSuggestion or
    ValidationError, in which case nothing has changed."""
    suggestion = (
        Suggestion.objects.select_for_update(of=("self",))
        .select_related("child")
        .get(pk=suggestion.pk)
    )
    # A stale form first: after someone else's move the user may no longer own it, and
    # "it moved meanwhile" is the answer they need.
    _require_version(suggestion, expected_version)
    actor = actor_for(user, suggestion)
    if actor is None:
        logger.warning(
            "user %s refused action %s on suggestion %s: not theirs", user.pk, action, suggestion.pk
        )
        raise NotAllowed
    move = workflow.move_for(action, State(suggestion.state), actor)
    if move.target == State.SUBMITTED:  # sent (submit, resubmit): complete
        _require_complete(suggestion)
    note = note.strip()
    given = {
        "note": note,
        "merged_into": merged_into,
        "planned_on": planned_on,
        "department": department,
        "outcome": outcome,
    }
    for need in sorted(move.needs):
        _NEEDS[need](suggestion, given)
    for take in sorted(move.takes):
        _TAKES[take](suggestion, given)

    # A person's move leaves the suggestion on nobody's desk, but accept: the department
    # keeps it, due on the day it planned.
    owner, due_at = None, None
    if move.target in workflow.OWNED_STATES:
        owner, due_at = suggestion.owner, _end_of(suggestion.planned_on)
    _move(suggestion, action, actor, user, note=note, owner=owner, due_at=due_at)
    if move.target == State.MERGED:
        voices_move(merged=suggestion, into=suggestion.merged_into)

    if move.target in workflow.FINAL_STATES and move.target != State.MERGED:
        # Suggestions merged into this one share its answer.
        for merged in suggestion.merged_from.select_related("child__user"):
            _notify(_child_and_guardians(merged), merged, NotificationKind.ANSWERED)
    if move.target in workflow.FINAL_STATES or move.target == State.RETURNED:
        kind = (
            NotificationKind.RETURNED
            if move.target == State.RETURNED
            else NotificationKind.ANSWERED
        )
        if actor != Actor.CHILD:
            _notify(_child_and_guardians(suggestion), suggestion, kind)
    elif move.target == State.IN_PROGRESS:
        _notify(_child_and_guardians(suggestion), suggestion, NotificationKind.MOVED)
    return suggestion


@transaction.atomic
def suggestion_progress_update(
    *,
    suggestion: Suggestion,
    user: User,
    percent: int,
    note: str,
    expected_version: int | None = None,
) -> ProgressUpdate:
    """The department reports how far the work has come (workflow.PROGRESS). Not a move: the
    state stays. Raises as suggestion_transition does, a stale form first."""
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    _require_version(suggestion, expected_version)
    actor = actor_for(user, suggestion)
    if actor not in workflow.PROGRESS.actors:
        raise NotAllowed
    if suggestion.state not in workflow.PROGRESS.sources:
        raise IllegalMove(workflow.PROGRESS.action, State(suggestion.state), actor, "wrong_state")
    _require(0 <= percent <= 100, _("Progress is a percentage from 0 to 100."))
    _require(bool(note.strip()), _("Please write a few words for the child."))
    update = ProgressUpdate.objects.create(
        suggestion=suggestion, percent=percent, note=note.strip(), author=user
    )
    suggestion.progress = percent
    suggestion.save(update_fields=["progress"])
    _notify(_child_and_guardians(suggestion), suggestion, NotificationKind.PROGRESS)
    return update


# --- The child's drafts ---------------------------------------------------------------------

EDITABLE_FIELDS = (
    "title",
    "noticed",
    "proposal",
    "place",
    "known_place",
    "division",
    "latitude",
    "longitude",
    "focus_area",
    "role",
    "photo",
)

RETIRED_PLACE_MESSAGE = gettext_lazy("This place is no longer on the list. Please choose another.")


def _place_settle(suggestion: Suggestion) -> None:
    """Where it is, made whole: a known place gives its division (which routing goes by); a
    place an office has retired is refused, unless the suggestion named it before."""
    place = suggestion.known_place
    if place is None:
        return
    if place.retired and not (
        suggestion.pk and Suggestion.objects.filter(pk=suggestion.pk, known_place=place).exists()
    ):
        raise ValidationError({"known_place": RETIRED_PLACE_MESSAGE})
    suggestion.division = place.division


SENDING_NEEDS_MESSAGE = gettext_lazy("Fill this in before you send it.")


def _require_complete(suggestion: Suggestion) -> None:
    """A draft may be only a title; a suggestion that is sent, or was sent, needs the rest."""
    missing = suggestion.missing_for_sending()
    if missing:
        raise ValidationError({name: SENDING_NEEDS_MESSAGE for name in missing})


@transaction.atomic
def suggestion_create(*, child: Child, submit: bool, **fields) -> Suggestion:
    suggestion = Suggestion(child=child, **{k: v for k, v in fields.items() if v is not None})
    _place_settle(suggestion)
    suggestion.search_words = suggestion_words(suggestion)
    if submit:
        _require_complete(suggestion)
    suggestion.full_clean()
    suggestion.save()
    if submit:
        _move(suggestion, "submit", Actor.CHILD, child.user)
    return suggestion


@transaction.atomic
def suggestion_update(
    *, suggestion: Suggestion, user: User, submit: bool, expected_version: int | None, **fields
) -> Suggestion:
    """The child edits a draft, or a suggestion returned with a question, and may send it."""
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    if actor_for(user, suggestion) != Actor.CHILD:
        raise NotAllowed
    _require_version(suggestion, expected_version)
    if suggestion.state not in (State.DRAFT, State.RETURNED):
        raise IllegalMove("edit", State(suggestion.state), Actor.CHILD, "wrong_state")
    for name, value in fields.items():
        if name in EDITABLE_FIELDS and (name != "photo" or value is not None):
            setattr(suggestion, name, value)
    _place_settle(suggestion)
    suggestion.search_words = suggestion_words(suggestion)
    if submit or suggestion.submitted_at is not None:
        _require_complete(suggestion)
    suggestion.full_clean()
    suggestion.save()
    if submit:
        action = "submit" if suggestion.state == State.DRAFT else "resubmit"
        _move(suggestion, action, Actor.CHILD, user)
    return suggestion


# --- Routing --------------------------------------------------------------------------------


def routing_job_send(*, job_id: int) -> bool:
    """Hand a routing job to the broker; if it is down, the job waits for the sweeper."""
    from .tasks import route_suggestion

    sent = task_send(route_suggestion, job_id)
    if sent:
        RoutingJob.objects.filter(pk=job_id, done_at__isnull=True).update(
            sent_at=timezone.now(), sends=F("sends") + 1
        )
    return sent


@dataclass(frozen=True)
class Routing:
    """Whom the router found for a stage, and why: the department asked for, or the rule that
    matched (by the place, the child's school or city-wide) and the division it matched in."""

    owner: Organisation | None
    routed_by: str = ""
    division: Division | None = None


def _school_division(school: Organisation) -> Division | None:
    """The division of the school's known place, with the divisions it lies in; for a school
    no office has placed yet (every school before places existed), the district of the name
    of its district organisation, as routing went before."""
    place = (
        Place.objects.filter(organisation_id=school.pk)
        .select_related("division__parent__parent")
        .first()
    )
    if place is not None:
        return place.division
    if school.district_id is None:
        return None
    return Division.objects.filter(
        level=DivisionLevel.DISTRICT, name=school.district.name.strip()
    ).first()


def _department_by_rules(suggestion: Suggestion) -> Routing:
    """The department the routing rules give: by where the suggestion is (its community, then
    street, then district), else the city-wide rule. Only a suggestion that names no place is
    routed by its child's school's division instead."""
    if suggestion.division_id is not None:
        lineage, routed_by = suggestion.division.lineage(), RoutedBy.PLACE
    else:
        division = _school_division(suggestion.child.school)
        lineage, routed_by = (division.lineage() if division else []), RoutedBy.SCHOOL
    rules = {
        rule.division_id: rule
        for rule in RoutingRule.objects.filter(focus_area_id=suggestion.focus_area_id)
        .filter(Q(division__in=[d.pk for d in lineage]) | Q(division__isnull=True))
        .select_related("department")
    }
    for division in lineage:  # the smallest first
        if division.pk in rules:
            return Routing(rules[division.pk].department, routed_by, division)
    if None in rules:
        return Routing(rules[None].department, RoutedBy.CITYWIDE)
    return Routing(None)


def _find_owner(suggestion: Suggestion, stage: Stage) -> Routing:
    # The school and its community know the child: those stages follow the child's school,
    # wherever the place is. Only the department is chosen by the place.
    school = suggestion.child.school
    if stage == Stage.SCHOOL:
        return Routing(school)
    if stage == Stage.COMMUNITY:
        return Routing(school.community)
    if suggestion.requested_department_id:
        return Routing(suggestion.requested_department, RoutedBy.REQUESTED)
    return _department_by_rules(suggestion)


@transaction.atomic
def suggestion_route(*, job_id: int, wait: bool = True) -> str:
    """The router acts on one job: finds the next owner, moves the suggestion to their desk
    with a due date and tells them; or flags it for the programme office.

    Idempotent: the job row is locked and marked done, so a job delivered twice, or a task
    re-run after a worker died, routes once. With wait=False (the sweeper) a job someone else
    is routing right now is left to them ("busy"). Returns what happened (for logs and tests).
    """
    job = RoutingJob.objects.select_for_update(skip_locked=not wait).filter(pk=job_id).first()
    if job is None:
        exists = not wait and RoutingJob.objects.filter(pk=job_id, done_at__isnull=True).exists()
        return "busy" if exists else "done_already"
    if job.done_at is not None:
        return "done_already"
    suggestion = (
        # Lock the suggestion row only (its joins may be outer joins, which cannot be locked).
        Suggestion.objects.select_for_update(of=("self",))
        .select_related("child__school__community", "child__user", "division__parent__parent")
        .get(pk=job.suggestion_id)
    )
    job.done_at = timezone.now()
    job.save(update_fields=["done_at"])
    if suggestion.state != job.state:
        return "moved_meanwhile"
    route = workflow.ROUTING[State(suggestion.state)]
    stage = route.stage
    routing = _find_owner(suggestion, stage)
    owner = routing.owner
    if owner is None:
        suggestion.needs_admin = True
        suggestion.save(update_fields=["needs_admin"])
        _notify(_admins(), suggestion, NotificationKind.NEEDS_ADMIN)
        logger.warning("suggestion %s: no owner found for stage %s", suggestion.pk, stage)
        return "flagged"
    due_in = timedelta(days=deadline_days(stage))
    _move(
        suggestion,
        route.action,
        Actor.ROUTER,
        None,
        owner=owner,
        due_in=due_in,
        routed_by=routing.routed_by,
        routed_division=routing.division,
    )
    _notify(_staff_of(owner.pk), suggestion, NotificationKind.NEW_IN_INBOX)
    _notify(_child_and_guardians(suggestion), suggestion, NotificationKind.MOVED)
    return "routed"


# --- Correcting the place -------------------------------------------------------------------

PLACE_CORRECTION_NEEDS_REASON = gettext_lazy("Say why you correct the place.")
PLACE_CORRECTION_NEEDS_PLACE = gettext_lazy("Choose a known place or a division.")
PLACE_CORRECTION_SAME = gettext_lazy("The suggestion is there already: choose another place.")


@transaction.atomic
def suggestion_place_correct(
    *,
    suggestion: Suggestion,
    user: User,
    reason: str,
    known_place: Place | None = None,
    division: Division | None = None,
    expected_version: int | None = None,
) -> PlaceCorrection:
    """The owner sets right where the suggestion is (permissions.may_correct_place): a known
    place, or a division. Recorded with who, when, from where to where and why.

    At the community the department's routing goes by the new place later. At the department,
    a place another department's rules cover sends the suggestion back to the router (a refer
    move with the reason as its note); one the same department's rules cover, or no rule, leaves
    it where it is. Raises StaleSuggestion, NotAllowed or ValidationError, in which case nothing
    has changed.
    """
    suggestion = (
        Suggestion.objects.select_for_update(of=("self",))
        .select_related("child__school", "owner")
        .get(pk=suggestion.pk)
    )
    _require_version(suggestion, expected_version)
    actor = actor_for(user, suggestion)
    if not may_correct_place(user, suggestion, actor):
        logger.warning(
            "user %s refused correcting the place of suggestion %s", user.pk, suggestion.pk
        )
        raise NotAllowed
    reason = reason.strip()
    _require(bool(reason), PLACE_CORRECTION_NEEDS_REASON, field="reason")
    _require(known_place is not None or division is not None, PLACE_CORRECTION_NEEDS_PLACE)
    if known_place is not None:
        _require(not known_place.retired, RETIRED_PLACE_MESSAGE)
        division = known_place.division
    _require(
        (getattr(known_place, "pk", None), division.pk)
        != (suggestion.known_place_id, suggestion.division_id),
        PLACE_CORRECTION_SAME,
    )
    correction = PlaceCorrection(
        suggestion=suggestion,
        actor=user,
        organisation=suggestion.owner,
        state=suggestion.state,
        from_known_place_id=suggestion.known_place_id,
        from_division_id=suggestion.division_id,
        to_known_place=known_place,
        to_division=division,
        reason=reason,
    )
    suggestion.known_place = known_place
    # With the divisions it lies in, for the rules (a known place's division may come bare).
    suggestion.division = Division.objects.select_related("parent__parent").get(pk=division.pk)
    department = None
    if suggestion.state == State.AT_DEPARTMENT:
        department = _department_by_rules(suggestion).owner
    if department is not None and department.pk != suggestion.owner_id:
        # Whoever asked for this department asked for it at the old place: the new place's
        # rules decide now.
        suggestion.requested_department = None
        _move(suggestion, "refer", actor, user, note=reason)
        correction.rerouted = True
    else:
        suggestion.version = F("version") + 1  # a form opened before the correction is stale
        suggestion.save(update_fields=["known_place", "division", "version"])
    correction.save()
    return correction


@transaction.atomic
def suggestion_route_again(*, suggestion: Suggestion) -> RoutingJob:
    """The programme office fixed what stopped the router (a rule, an organisation): try again."""
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    if State(suggestion.state) not in workflow.ROUTING:
        raise ValidationError(_("This suggestion is not waiting for routing."))
    job = RoutingJob.objects.create(suggestion=suggestion, state=suggestion.state)
    after_commit(routing_job_send, job_id=job.pk)
    return job


# How many stuck jobs the sweeper claims at a time, and for how long it routes in one run (the
# beat sends it every minute and drops a sweep not started within 55 s).
ROUTING_SWEEP_BATCH = 200
ROUTING_SWEEP_SECONDS = 50
# A job handed to the broker this many times SUGGESTIONS_ROUTING_STUCK_AFTER ago and not routed
# is stuck, whatever the queue looks like.
ROUTING_BACKSTOP = 10


def _routing_queue_length() -> int | None:
    """How many tasks wait in the routing queue; None when the broker cannot be asked."""
    from hangzhou_cfc.celery import app

    try:
        with app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
            # Declaring is harmless on the broker's virtual transports and, unlike a passive
            # declare, answers 0 for a queue that is empty (Redis deletes an empty list).
            declared = conn.default_channel.queue_declare(
                queue=app.conf.task_default_queue, durable=True, auto_delete=False
            )
    except Exception:  # kombu raises the transport's own errors
        logger.warning("the routing sweeper could not ask the broker how long its queue is")
        return None
    return declared.message_count


def _really_stuck(now: datetime) -> Q:
    """Which pending jobs no worker will ever route by itself.

    - never handed to the broker (it was down at the commit);
    - handed to it, and nothing waits in the queue: the message was lost, or its worker died;
    - handed to it before the jobs the workers are routing now: the queue is first in, first
      out, so a job sent well before the last one routed has left the queue, lost or with a
      worker that died.

    A job still waiting in the queue behind a backlog matches none of these, until it is
    ROUTING_BACKSTOP times overdue: the workers will come to it.
    """
    grace = timedelta(seconds=settings.SUGGESTIONS_ROUTING_STUCK_AFTER)
    stuck = Q(sent_at__isnull=True, created_at__lt=now - grace)
    waiting = _routing_queue_length()
    if waiting == 0:
        return stuck | Q(sent_at__lt=now - grace)
    # The newest job the workers routed lately, by when it was handed to the broker.
    frontier = RoutingJob.objects.filter(done_at__gte=now - grace).aggregate(sent=Max("sent_at"))[
        "sent"
    ]
    if frontier is not None:
        stuck |= Q(sent_at__lt=frontier - grace)
    # A backstop, whatever the queue says: the queue is shared with other tasks, so it may never
    # be empty when a sweep looks, nor the frontier move while little is routed. A job this
    # overdue is routed by the sweeper even if a worker would have come to it: harmless.
    return stuck | Q(sent_at__lt=now - ROUTING_BACKSTOP * grace)


def routing_jobs_sweep(*, now: datetime | None = None) -> int:
    """The sweeper routes, itself, every job that is really stuck (_really_stuck), in batches
    until none is left or ROUTING_SWEEP_SECONDS have passed; returns how many it routed.

    It routes rather than sending the jobs to the broker again: recovery never waits behind a
    backlog and never makes it longer. A job a worker is routing at the same moment is
    skipped (its row is locked), and one routed already is a no-op: nothing moves twice.
    """
    started = timezone.now()
    now = now or started
    pending = (
        RoutingJob.objects.filter(done_at__isnull=True)
        .filter(_really_stuck(now))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    deadline = started + timedelta(seconds=ROUTING_SWEEP_SECONDS)
    routed, last = 0, 0
    while timezone.now() < deadline:
        ids = list(pending.filter(pk__gt=last)[:ROUTING_SWEEP_BATCH])
        if not ids:
            break
        for job_id in ids:
            if timezone.now() >= deadline:
                break
            last = job_id
            try:
                outcome = suggestion_route(job_id=job_id, wait=False)
            except DatabaseError:
                if not database_answers():
                    logger.warning("the routing sweep stopped at job %s: database away", job_id)
                    return routed
                # One job's error (a deadlock, a timeout, a bad row) was rolled back with it.
                logger.exception("the routing sweep could not route job %s", job_id)
                continue
            except Exception:
                # One job the router cannot handle must not stop the ones after it.
                logger.exception("the routing sweep could not route job %s", job_id)
                continue
            if outcome not in ("done_already", "busy"):
                routed += 1
    if routed:
        logger.info("the routing sweep routed %d stuck jobs", routed)
    return routed


# --- Deadlines ------------------------------------------------------------------------------


def suggestions_flag_overdue(*, now: datetime | None = None) -> int:
    """Flag every open stage past its due date, once, and tell its owner and the office."""
    now = now or timezone.now()
    flagged = 0
    due = Suggestion.objects.filter(
        state__in=list(workflow.OWNED_STATES), due_at__lt=now, overdue_since__isnull=True
    ).values_list("pk", flat=True)
    admins = _admins()
    for pk in list(due[:1000]):
        with transaction.atomic():
            suggestion = (
                Suggestion.objects.select_for_update()
                .filter(pk=pk, due_at__lt=now, overdue_since__isnull=True)
                .first()
            )
            if suggestion is None:
                continue
            suggestion.overdue_since = now
            suggestion.save(update_fields=["overdue_since"])
            _notify(
                _staff_of(suggestion.owner_id) + admins,
                suggestion,
                NotificationKind.OVERDUE,
            )
            flagged += 1
    return flagged


def notifications_read_on_opening(*, user: User, suggestion_id: int) -> int:
    """Opening a suggestion reads what was said of it: its unread notifications are read.

    Looked up first, so that opening a page with nothing new to read writes nothing."""
    unread = list(
        Notification.objects.filter(
            recipient=user, suggestion_id=suggestion_id, read_at__isnull=True
        ).values_list("pk", flat=True)
    )
    if not unread:
        return 0
    return Notification.objects.filter(pk__in=unread).update(read_at=timezone.now())


def notification_mark_read(*, user: User, notification_ids=None) -> int:
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        rows = rows.filter(pk__in=notification_ids)
    return rows.update(read_at=timezone.now())


# --- Digests --------------------------------------------------------------------------------


def _latest(now: datetime, at: time, weekday: int | None = None) -> date:
    """The day of the latest digest made at `at` (local time; on `weekday` if given) at or
    before `now`: the day a run stands for, whenever in the day it runs."""
    local = timezone.localtime(now)
    day = local.date()
    while (weekday is not None and day.weekday() != weekday) or (
        day == local.date() and local.time() < at
    ):
        day -= timedelta(days=1)
    return day


def _digests_queue(template: str, key: str, period: date, rows: list[tuple[User, str]]) -> int:
    """Queue `template` to each (recipient, language) that has no message of it for this
    period yet (its context {key: the period's day}): a digest is queued once per recipient
    and period, however often the task runs. The recipients' rows are locked while it looks,
    so that two runs at once (a task given back by a dying worker and run again, beside the
    next one) cannot both queue it: the second waits, then finds the first's messages."""
    context = {key: period.isoformat()}
    with transaction.atomic():
        ids = list(
            User.objects.select_for_update()
            .filter(pk__in=[user.pk for user, _language in rows])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        queued = set(
            Message.objects.filter(
                template=template, recipient_id__in=ids, **{f"context__{key}": context[key]}
            ).values_list("recipient_id", flat=True)
        )
        messages = messages_deliver(
            template=template,
            topic=Topic.DIGEST,
            rows=[
                (user, Channel.EMAIL, context, language)
                for user, language in rows
                if user.pk not in queued
            ],
        )
    return len(messages)


def staff_digests_queue(*, now: datetime | None = None) -> int:
    """The staff's daily digest (08:00): one e-mail to each staff member who wants it (their
    channels for Topic.DIGEST; by default every staff member while MESSAGES_STAFF_DIGEST is
    on), with what arrived on their organisation's desk since yesterday's and what on it is
    overdue; the office's with what found no owner and what is overdue in the city. Nobody
    with nothing to read gets one. Queued once per person and day (context {"day": ...});
    returns how many it queued."""
    now = now or timezone.now()
    day = _latest(now, selectors.STAFF_DIGEST_AT)
    since, until = selectors.digest_period(day, selectors.STAFF_DIGEST_AT, days=1)
    staff = list(
        User.objects.filter(role__in=list(STAFF_ROLES), is_active=True)
        .select_related("staff")
        .order_by("pk")
    )
    # reach_of names e-mail only for someone with an address.
    reach = reach_of(staff, Topic.DIGEST)
    digests: dict[int | None, bool] = {}
    rows = []
    for user in staff:
        if Channel.EMAIL not in reach[user.pk].channels:
            continue
        if user.role == Role.ADMIN:
            organisation_id = None
        elif hasattr(user, "staff"):
            organisation_id = user.staff.organisation_id
        else:
            continue  # a staff login tied to no organisation has no desk
        if organisation_id not in digests:
            digests[organisation_id] = bool(
                selectors.staff_digest(
                    organisation_id=organisation_id, since=since, until=until, limit=1
                )
            )
        if digests[organisation_id]:
            rows.append((user, reach[user.pk].language))
    return _digests_queue("suggestions.staff_digest", "day", day, rows)


def family_digests_queue(*, now: datetime | None = None) -> int:
    """The families' weekly digest (Monday 09:00): one e-mail to each guardian who chose it
    (Topic.DIGEST; off by default) and whose children's suggestions had news in the week
    before. Queued once per guardian and week (context {"week": the Monday}); returns how
    many it queued."""
    now = now or timezone.now()
    monday = _latest(now, selectors.FAMILY_DIGEST_AT, selectors.FAMILY_DIGEST_WEEKDAY)
    since, until = selectors.digest_period(monday, selectors.FAMILY_DIGEST_AT, days=7)
    guardians = list(User.objects.filter(role=Role.GUARDIAN, is_active=True).order_by("pk"))
    reach = reach_of(guardians, Topic.DIGEST)
    wanted = [user for user in guardians if Channel.EMAIL in reach[user.pk].channels]
    with_news = selectors.guardians_with_news(
        [user.pk for user in wanted], since=since, until=until
    )
    rows = [(user, reach[user.pk].language) for user in wanted if user.pk in with_news]
    return _digests_queue("suggestions.family_digest", "week", monday, rows)


# --- "Me too" -------------------------------------------------------------------------------

VOICE_TWICE = gettext_lazy("You have already said “me too” to this suggestion. Once is enough!")
VOICE_LINE_TOO_LONG = gettext_lazy("What you add can be at most %(n)d characters.")


@transaction.atomic
def voice_add(*, suggestion: Suggestion, child: Child, line: str = "") -> Voice:
    """A child adds their voice to another child's suggestion (permissions.voice_refusal).
    Locks the suggestion, so that a merge moving its voices cannot pass this one by, and two
    clicks at once make one voice. Raises ValidationError, in which case nothing is written."""
    suggestion = (
        Suggestion.objects.select_for_update(of=("self",))
        .select_related("child")
        .get(pk=suggestion.pk)
    )
    refusal = voice_refusal(child, suggestion)
    _require(refusal is None, refusal)
    line = " ".join(line.split())
    limit = Voice._meta.get_field("line").max_length
    _require(len(line) <= limit, VOICE_LINE_TOO_LONG % {"n": limit}, field="line")
    _require(not suggestion.voices.filter(child=child).exists(), VOICE_TWICE)
    voice = Voice.objects.create(suggestion=suggestion, child=child, line=line)
    if suggestion.child.user_id:
        # The author hears that someone else noticed it too, in the portal only.
        _notify([suggestion.child.user], suggestion, NotificationKind.VOICE)
    return voice


@transaction.atomic
def voice_withdraw(*, suggestion: Suggestion, child: Child) -> bool:
    """A child takes their "me too" back: it was their own word, given freely, so it stays
    theirs to take back (a voice that counted for a merge is theirs all the same). Returns
    whether there was one."""
    Suggestion.objects.select_for_update(of=("self",)).filter(pk=suggestion.pk).first()
    deleted, _rows = Voice.objects.filter(suggestion=suggestion, child=child).delete()
    return bool(deleted)


def voices_move(*, merged: Suggestion, into: Suggestion) -> int:
    """A merge moves the voices of `merged` to `into`, and its authors (the first and any an
    adult recorded it for) become voices there: nobody who said it is lost. A child already
    heard on `into`, or one of its authors, counts once. Called by suggestion_transition with
    both rows locked; returns how many voices `into` gained. A moved voice keeps when it was
    given (the figures count voices by year)."""
    there = set(Voice.objects.filter(suggestion=into).values_list("child_id", flat=True))
    there |= {into.child_id, *into.authors.values_list("child_id", flat=True)}
    moving = [
        pk
        for pk, child_id in Voice.objects.filter(suggestion=merged).values_list("pk", "child_id")
        if child_id not in there
    ]
    Voice.objects.filter(pk__in=moving).update(suggestion=into)
    Voice.objects.filter(suggestion=merged).delete()  # those heard on `into` already
    authors = dict.fromkeys([merged.child_id, *merged.authors.values_list("child_id", flat=True)])
    new = [
        Voice(suggestion=into, child_id=child_id) for child_id in authors if child_id not in there
    ]
    Voice.objects.bulk_create(new)
    return len(moving) + len(new)


# --- Recorded on behalf of children ---------------------------------------------------------


class RowRefused(ValidationError):
    """One suggestion of several recorded together was refused: `row` says which (from 0)."""

    def __init__(self, row: int, error: ValidationError):
        super().__init__(error.message_dict if hasattr(error, "error_dict") else error.messages)
        self.row = row


# What a row of the recording page fills in, besides the authors and the scan.
RECORDED_FIELDS = ("title", "noticed", "proposal", "place", "focus_area", "role")


def _recorded_authors(recorder, group, children, whole_group: bool) -> list[Child]:
    """The authors of one recorded suggestion, the first named first; ValidationError naming
    the child who may not be one."""
    children = list(dict.fromkeys(children))
    refusal = permissions.refusal_for(recorder, group, children)
    _require(refusal is None, refusal, field="children")
    if whole_group:
        # The group's children when it was made (those the recorder looks after): one who
        # joins later did not make it. A child whose guardian has not consented is not named,
        # and does not stop the group's.
        named = {child.pk for child in children}
        group_children = Child.objects.filter(
            pk__in=permissions.recordable_children(recorder, group)
        ).exclude(pk__in=named)
        children += permissions.with_consent(group_children).order_by("pseudonym")
    _require(
        bool(children),
        _("Name at least one child with a guardian's consent, or the whole group."),
        field="children",
    )
    return children


@transaction.atomic
def suggestions_record_on_behalf(
    *,
    recorder: User,
    group,
    source: str,
    rows: list[dict],
    activity_id: int | None = None,
    topic_id: int | None = None,
) -> list[Suggestion]:
    """An adult of the group enters suggestions children made at an activity or on paper, each
    for one or more named children or the whole group, and sends them on their way like a
    child's (the child cannot send a sheet of paper). All or none: a refused row raises
    RowRefused (a ValidationError) and nothing is written.

    Each row: the RECORDED_FIELDS, `children` (Child list), `whole_group` (bool) and `scan`
    (an upload or None)."""
    if not recorder.has_perm("suggestions.record_on_behalf", group):
        raise NotAllowed
    source = source.strip()
    _require(bool(source), _("Say where these suggestions came from."), field="source")
    if activity_id is not None:
        _require(
            group.activities.filter(pk=activity_id).exists(),
            _("Choose an activity of this group."),
            field="activity",
        )
    if topic_id is not None:
        _require(
            group.discussion_topics.filter(pk=topic_id).exists(),
            _("Choose a discussion topic of this group."),
            field="topic",
        )
    recorded = []
    for index, row in enumerate(rows):
        try:
            recorded.append(
                _record_one(
                    recorder, group, row, source=source, activity_id=activity_id, topic_id=topic_id
                )
            )
        except ValidationError as error:
            raise RowRefused(index, error) from error
    return recorded


def _record_one(recorder, group, row, *, source, activity_id, topic_id) -> Suggestion:
    whole_group = bool(row.get("whole_group"))
    authors = _recorded_authors(recorder, group, row.get("children", []), whole_group)
    scan = None
    if row.get("scan"):
        try:
            scan = clean_scan(row["scan"])
        except ValidationError as error:
            raise ValidationError({"scan": error.messages}) from error
    suggestion = Suggestion(child=authors[0], group=group, **{k: row[k] for k in RECORDED_FIELDS})
    _place_settle(suggestion)
    _require_complete(suggestion)
    suggestion.search_words = suggestion_words(suggestion)  # found by search and "similar"
    suggestion.full_clean()
    suggestion.save()
    SuggestionAuthor.objects.bulk_create(
        SuggestionAuthor(suggestion=suggestion, child=child) for child in authors
    )
    record = OnBehalfRecord(
        suggestion=suggestion,
        recorded_by=recorder,
        activity_id=activity_id,
        discussion_topic_id=topic_id,
        source=source,
        by_whole_group=whole_group,
    )
    if scan is not None:
        record.scan.save(scan.name, scan, save=False)
    record.save()
    # Listed on the activity's and the topic's pages, like any suggestion linked there.
    if activity_id is not None:
        suggestion.activities.add(activity_id)
    if topic_id is not None:
        suggestion.discussion_topics.add(topic_id)
    # Sent on the children's behalf: the history says by whom.
    _move(suggestion, "submit", Actor.CHILD, recorder)
    return suggestion
