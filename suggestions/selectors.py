"""Reads of the suggestions pages. Each list names its joins; tests pin their query counts."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from groups.models import Child, Membership, Organisation, OrganisationKind, Role, User
from groups.permissions import is_admin
from places.models import Division, DivisionLevel, Place
from places.selectors import SEARCH_LIMIT, places_near, places_search, search_query, within

from . import permissions, workflow
from .models import (
    Notification,
    NotificationKind,
    PlaceCorrection,
    ProgressUpdate,
    StageChange,
    StageDeadline,
    Suggestion,
    SuggestionAuthor,
    Voice,
)
from .workflow import State


def suggestions_of_children(children: list[Child]) -> QuerySet[Suggestion]:
    """Theirs: written by them, or recorded on their behalf (alone, with others, or by their
    group)."""
    return (
        Suggestion.objects.filter(theirs(children))
        .select_related("focus_area", "owner", "child")
        .prefetch_related("history")  # where a final one ended, for its stepper
        .order_by("-created_at")
    )


def theirs(children) -> Q:
    """Suggestions the children wrote, or that were recorded on their behalf."""
    coauthored = SuggestionAuthor.objects.filter(suggestion=OuterRef("pk"), child__in=children)
    return Q(child__in=children) | Exists(coauthored)


def children_of_guardian(user: User) -> list[Child]:
    guardian = getattr(user, "guardian", None)
    return list(guardian.children.all()) if guardian else []


def inbox(organisation_id: int, *, routed_why: bool = False) -> QuerySet[Suggestion]:
    """What the organisation has on its desk now, soonest due first. Filters narrow it.

    With `routed_why` (a department's inbox), each comes with its moves to a department, the
    latest first (`routings`): why the router gave it to them."""
    suggestions = (
        Suggestion.objects.filter(owner_id=organisation_id, state__in=list(workflow.OWNED_STATES))
        .select_related("focus_area", "child")
        .order_by("due_at", "pk")
    )
    if routed_why:
        suggestions = suggestions.prefetch_related(
            Prefetch(
                "history",
                queryset=StageChange.objects.filter(action="route_to_department")
                .select_related("owner", "routed_division__parent__parent")
                .order_by("-created_at", "-pk"),
                to_attr="routings",
            )
        )
    return with_voices(suggestions)  # "27 children in 6 schools" on each row


def suggestion_detail(*, pk: int, staff: bool = False) -> Suggestion:
    """A suggestion with all its page shows; for staff, with the corrections of its place."""
    prefetches = [
        Prefetch(
            "history",
            queryset=StageChange.objects.select_related(
                "actor", "owner", "routed_division__parent__parent"
            ).order_by("created_at", "pk"),
        ),
        "updates",
        # Where it came from: the activities and discussion topics it came out of.
        "activities",
        "discussion_topics__partner",
    ]
    if staff:
        prefetches.append(
            Prefetch(
                "place_corrections",
                queryset=PlaceCorrection.objects.select_related(
                    "actor",
                    "from_known_place",
                    "from_division__parent__parent",
                    "to_known_place",
                    "to_division__parent__parent",
                ),
            )
        )
    return (
        with_voices(Suggestion.objects)  # "27 children in 6 schools"
        .select_related(
            "focus_area",
            "owner",
            "child__school__community",
            "merged_into",
            "outcome",
            "requested_department",
            "known_place__division__parent__parent",
            "division__parent__parent",
            # Recorded on behalf of children: by whom, from what (a join, no query more).
            "recorded__recorded_by",
            "recorded__activity",
            "recorded__discussion_topic",
        )
        .prefetch_related(*prefetches)
        .get(pk=pk)
    )


# Notes written for the next desk, not for the child: staff see them, the child and the
# guardians do not. Every other note is words to the child.
STAFF_NOTE_ACTIONS = frozenset({"collect", "forward", "refer"})


def note_seen(change: StageChange, *, staff: bool) -> str:
    """The note of a move as its reader sees it: a note for the next desk is for staff only."""
    return change.note if staff or change.action not in STAFF_NOTE_ACTIONS else ""


@dataclass(frozen=True)
class JourneyStep:
    """One line of a suggestion's journey: a move (`change`) or a progress report (`update`),
    with the note its reader may see."""

    at: datetime
    change: StageChange | None = None
    update: ProgressUpdate | None = None
    # For staff only: a correction of the place (its reason is the note).
    correction: PlaceCorrection | None = None
    note: str = ""


def suggestion_journey(suggestion: Suggestion, *, staff: bool) -> list[JourneyStep]:
    """The moves and progress reports of a suggestion (as prefetched by suggestion_detail) in
    one list, oldest first; a move and a report at the same moment keep that order. Notes
    meant for the next desk are shown to staff only."""
    steps = [
        JourneyStep(at=change.created_at, change=change, note=note_seen(change, staff=staff))
        for change in suggestion.history.all()
    ]
    steps += [
        JourneyStep(at=update.created_at, update=update, note=update.note)
        for update in suggestion.updates.all()
    ]
    if staff:
        # Prefetched by suggestion_detail(staff=True) only: the child's page never asks.
        steps += [
            JourneyStep(at=correction.created_at, correction=correction, note=correction.reason)
            for correction in suggestion.place_corrections.all()
        ]
    steps.sort(key=lambda step: (step.at, step.change is None))
    return steps


def reads_handover_notes(user: User) -> bool:
    """Staff of the pipeline and the programme office read the notes one desk leaves for the
    next (STAFF_NOTE_ACTIONS); the child, the guardians and mentors do not."""
    return user.is_superuser or user.role in (
        Role.SCHOOL,
        Role.COMMUNITY,
        Role.DEPARTMENT,
        Role.ADMIN,
    )


def handover_notes(suggestion: Suggestion) -> list[StageChange]:
    """The notes staff wrote to the desks after them (as prefetched by suggestion_detail),
    newest first: what the one who holds the suggestion now should read first."""
    return [
        change
        for change in reversed(suggestion.history.all())
        if change.action in STAFF_NOTE_ACTIONS and change.note
    ]


def place_choices(suggestion: Suggestion, text: str = "") -> tuple[list[Place], list[Division]]:
    """What the form correcting a suggestion's place offers: the known places and divisions
    whose names match `text`; with nothing typed, the divisions the suggestion is in now and
    the known places there (its place as loaded by suggestion_detail)."""
    query = search_query(text)
    if query:
        divisions = list(
            Division.objects.filter(
                Q(name__contains=query) | Q(name_en__icontains=query) | Q(code=query)
            )
            .select_related("parent__parent")
            .order_by("code")[:SEARCH_LIMIT]
        )
        return places_search(query), divisions
    if suggestion.division_id is None:
        return [], []
    return places_near(suggestion.division), suggestion.division.lineage()


def merge_candidates(suggestion: Suggestion) -> QuerySet[Suggestion]:
    """Open suggestions from children of the same school that this one could join.

    The one rule for both doors: the page's form offers these, the API accepts only these,
    and `suggestion_transition` refuses any other (a merge makes the target readable to the
    merged suggestion's school, child and guardians)."""
    return (
        Suggestion.objects.filter(child__school_id=suggestion.child.school_id)
        .exclude(pk=suggestion.pk)
        .exclude(state__in=[*workflow.FINAL_STATES, State.DRAFT, State.RETURNED])
        .order_by("-created_at")
    )


def departments() -> QuerySet[Organisation]:
    """The city departments a suggestion may be forwarded or referred to."""
    return Organisation.objects.filter(kind=OrganisationKind.DEPARTMENT).order_by("name")


def placed_in(division: Division) -> Q:
    """Suggestions about a place in this division: by the place they name, or, naming none, by
    their child's school (which is where routing sent them) — but a school tells only its
    district, never its street, to the public: by its known place, or, where no office placed
    it, by the name of its district organisation (as routing does)."""
    named = within("division", division)
    if division.level != DivisionLevel.DISTRICT:
        return named
    return named | (
        Q(division__isnull=True)
        & (
            within("child__school__place__division", division)
            | Q(child__school__place__isnull=True, child__school__district__name=division.name)
        )
    )


def _district_id(prefix: str):
    """The id of the district the division at `prefix` is or lies in, as an expression."""
    return Case(
        When(**{f"{prefix}level": DivisionLevel.COMMUNITY}, then=F(f"{prefix}parent__parent_id")),
        When(**{f"{prefix}level": DivisionLevel.STREET}, then=F(f"{prefix}parent_id")),
        When(**{f"{prefix}level": DivisionLevel.DISTRICT}, then=F(f"{prefix}id")),
        default=None,
    )


def implemented_by_district() -> list[tuple[Division, int]]:
    """The district overview of 'you said, we did': every district, with how many of its
    places' suggestions were implemented (placed as placed_in places them). Two queries."""
    districts = list(Division.objects.filter(level=DivisionLevel.DISTRICT))
    by_name = {district.name: district.pk for district in districts}
    counted = Counter()
    rows = (
        implemented_publicly()
        .order_by()
        .annotate(
            district_id=Coalesce(
                _district_id("division__"), _district_id("child__school__place__division__")
            )
        )
        .values_list("district_id", "child__school__district__name")
        .annotate(n=Count("pk"))
    )
    for district_id, school_district, n in rows:
        # A school no office placed counts in the district of its district organisation's name.
        counted[district_id or by_name.get((school_district or "").strip())] += n
    return [(district, counted[district.pk]) for district in districts]


def public_markers(suggestions) -> list[dict]:
    """Map markers for implemented suggestions: the known place's point, else the child's pin
    (public, like the rest of an implemented suggestion). Reads what is loaded: no query."""
    markers = []
    for suggestion in suggestions:
        place = suggestion.known_place
        if place is not None and place.latitude is not None:
            point = (place.latitude, place.longitude)
        elif suggestion.latitude is not None:
            point = (suggestion.latitude, suggestion.longitude)
        else:
            continue
        # Three decimals (about 100 m): where the problem was, not the spot a child stood on.
        markers.append(
            {
                "lat": round(float(point[0]), 3),
                "lng": round(float(point[1]), 3),
                "title": suggestion.title,
            }
        )
    return markers


def implemented_publicly() -> QuerySet[Suggestion]:
    """'You said, we did': implemented suggestions with their outcome, pseudonyms only."""
    return (
        Suggestion.objects.filter(state=State.IMPLEMENTED)
        .select_related(
            "outcome",
            "focus_area",
            "child__school__district",
            "division__parent__parent",
            "known_place",
        )
        .only(
            "title",
            "proposal",
            "place",
            "latitude",
            "longitude",
            "known_place__latitude",
            "known_place__longitude",
            "closed_at",
            "focus_area__name",
            "focus_area__name_en",
            "child__pseudonym",
            "child__school__district__name",
            "child__school__district__name_en",
            "division__name",
            "division__name_en",
            "division__parent__name",
            "division__parent__name_en",
            "division__parent__parent__name",
            "division__parent__parent__name_en",
            # lineage() asks the district for its parent: loaded, not one query per card.
            "division__parent__parent__parent",
            "outcome__description",
            "outcome__quantity",
            "outcome__unit",
            "outcome__completed_on",
        )
        .order_by("-closed_at", "-pk")
    )


def notifications_for(user: User) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(recipient=user)
        .select_related("suggestion__child")
        .order_by("-created_at")
    )


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def needing_the_office() -> dict:
    """For the programme office's home: what the router could not place, and what is late."""
    return Suggestion.objects.aggregate(
        unrouted=Count("pk", filter=Q(needs_admin=True)),
        overdue=Count(
            "pk",
            filter=Q(overdue_since__isnull=False, state__in=list(workflow.OWNED_STATES)),
        ),
    )


def inbox_summary(organisation_id: int) -> dict:
    """For a staff member's home: how much is on the desk, and how much of it is late."""
    return Suggestion.objects.filter(
        owner_id=organisation_id, state__in=list(workflow.OWNED_STATES)
    ).aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(overdue_since__isnull=False)))


def suggestion_counts_of_child(child: Child) -> dict:
    """For a child's home: their suggestions on the way, and answered."""
    return Suggestion.objects.filter(theirs([child])).aggregate(
        on_the_way=Count("pk", filter=Q(state__in=list(workflow.OPEN_STATES))),
        answered=Count("pk", filter=Q(state__in=list(workflow.FINAL_STATES))),
    )


# For the homes: the newest suggestions as cards, and the answers not yet read.
HOME_CARDS = 4
NEWS_FOR_THE_CHILD = (NotificationKind.ANSWERED, NotificationKind.RETURNED)


def cards_of_child(child: Child, *, limit: int = HOME_CARDS) -> list[Suggestion]:
    """A child's newest suggestions, drafts included, withdrawn ones left out."""
    return list(
        Suggestion.objects.filter(theirs([child]))
        .exclude(state=State.WITHDRAWN)
        .select_related("focus_area", "owner")
        .prefetch_related("history")  # where a final one ended, for its stepper
        .order_by("-created_at")[:limit]
    )


def waiting_for_child(child: Child) -> dict:
    """What waits for the child: drafts to send, and questions from their school."""
    rows = list(
        Suggestion.objects.filter(child=child, state__in=[State.DRAFT, State.RETURNED])
        .only("pk", "title", "state", "created_at")
        .order_by("-created_at")
    )
    return {
        "drafts": [row for row in rows if row.state == State.DRAFT],
        "questions": [row for row in rows if row.state == State.RETURNED],
    }


def unread_news(user: User, *, kinds=None, limit: int = 5) -> list[Notification]:
    """Unread notifications, newest first, each with its suggestion."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if kinds:
        unread = unread.filter(kind__in=kinds)
    return list(unread.select_related("suggestion__child").order_by("-created_at")[:limit])


def visible_to(user, suggestions: QuerySet[Suggestion]) -> QuerySet[Suggestion]:
    """Of these suggestions, those the user may open: the rule `suggestions.see_suggestion`
    as one query, for lists that would otherwise ask it once per row. A test holds the two
    to the same answers."""
    if not user.is_authenticated:
        return suggestions.none()
    if is_admin(user):
        return suggestions
    return suggestions.filter(pk__in=Suggestion.objects.filter(seen_by(user)).values("pk"))


def seen_by(user) -> Q:
    """visible_to's rule as a condition on suggestions (with joins: ask for its rows by pk), for
    a logged-in user who is not an admin."""
    seen = Q(child__user=user) | Q(child__guardians__user=user)
    seen |= Q(merged_from__child__user=user) | Q(merged_from__child__guardians__user=user)
    staff = getattr(user, "staff", None)
    if staff is not None:
        organisation = staff.organisation_id
        seen |= Q(owner_id=organisation) | Q(history__owner_id=organisation)
        seen |= Q(merged_from__history__owner_id=organisation)
    mentor = getattr(user, "mentor", None)
    if mentor is not None:
        mentored = Membership.objects.current().members().filter(sub_team__mentors=mentor)
        seen |= Q(child__in=mentored.values("child_id"))
    seen |= _recorded_seen(user, mentor)
    return seen


def focus_area_of_sub_team(child: Child) -> int | None:
    """The focus area of the child's sub-team, the one their suggestions are most often about."""
    return (
        Membership.objects.current()
        .members()
        .filter(child=child, sub_team__isnull=False)
        .values_list("sub_team__focus_area_id", flat=True)
        .first()
    )


def stage_deadlines() -> dict[str, int]:
    """How many days each stage's owner has, by stage, in one query (services.deadline_days)."""
    from .services import DEFAULT_DEADLINE_DAYS

    days = {str(stage): count for stage, count in DEFAULT_DEADLINE_DAYS.items()}
    days.update(StageDeadline.objects.values_list("stage", "days"))
    return days


# --- The stepper: the four steps of the journey, for the journey page and the lists ---------

STEP_LABELS = {
    workflow.Step.CHILD: _("Child raises"),
    workflow.Step.SCHOOL: _("School collects"),
    workflow.Step.COMMUNITY: _("Community takes on"),
    workflow.Step.DEPARTMENT: _("Department carries out"),
}
# Names of the vendored icons (static/vendor/tabler-icons/), for {% icon %}.
STEP_ICONS = {
    workflow.Step.CHILD: "mood-kid",
    workflow.Step.SCHOOL: "school",
    workflow.Step.COMMUNITY: "building-community",
    workflow.Step.DEPARTMENT: "building-bank",
}
# What a step's state says in words, so that colour is never the only sign.
STATUS_LABELS = {
    "done": _("Done"),
    "current": pgettext_lazy("journey step", "Here now"),
    "upcoming": _("Not yet"),
    "stopped": _("Stopped here"),
    "not_needed": _("Not needed"),
    "not_reached": _("Not reached"),
}
# The states that end the journey or wait for the child, each with its words and icon.
OUTCOMES = {
    State.DRAFT: (_("Not sent yet"), "pencil"),
    State.RETURNED: (_("A question for you"), "message-question"),
    State.IMPLEMENTED: (_("Done!"), "circle-check"),
    State.DECLINED: (_("Could not be done"), "circle-x"),
    State.MERGED: (_("Joined with a similar one"), "arrow-merge"),
    State.WITHDRAWN: (_("Withdrawn"), "arrow-back-up"),
}


@dataclass(frozen=True)
class StepperStep:
    step: workflow.Step
    label: str
    icon: str
    status: str  # a key of STATUS_LABELS
    status_label: str
    # Only on the current step: who has it, and by when.
    owner: Organisation | None = None
    due_at: datetime | None = None
    overdue: bool = False

    @property
    def is_current(self) -> bool:
        return self.status == "current"


@dataclass(frozen=True)
class StepperStages:
    steps: list[StepperStep]
    state: State
    # For a draft, a returned suggestion or a final state: its words and icon; else empty.
    outcome_label: str = ""
    outcome_icon: str = ""

    @property
    def current(self) -> StepperStep | None:
        return next((step for step in self.steps if step.is_current), None)


def suggestion_stages(suggestion: Suggestion, *, came_from: State | None = None) -> StepperStages:
    """The four steps of a suggestion's journey, each done, current or still to come, for
    templates/includes/stepper.html. Where a final suggestion ended is the state its last move
    came from: `came_from`, else its history (prefetched by suggestion_detail, or one query)."""
    state = State(suggestion.state)
    at = workflow.step_of(state)
    if at is None:
        if came_from is None and suggestion.pk is not None:
            history = list(suggestion.history.all())
            came_from = State(history[-1].from_state) if history else None
        at = workflow.step_of(came_from) if came_from else None
        if at is None:
            at = workflow.Step.DEPARTMENT if state == State.IMPLEMENTED else workflow.Step.CHILD
    reached = list(workflow.Step).index(at)
    steps = []
    for index, step in enumerate(workflow.Step):
        extra = {}
        if index < reached:
            status = "done"
        elif index > reached:
            if state == State.IMPLEMENTED:
                status = "not_needed"
            elif state in workflow.FINAL_STATES:
                status = "not_reached"
            else:
                status = "upcoming"
        elif state == State.IMPLEMENTED:
            status = "done"
        elif state in workflow.FINAL_STATES:
            status = "stopped"
        else:
            status = "current"
            extra = {
                "owner": suggestion.owner,
                "due_at": suggestion.due_at,
                "overdue": suggestion.overdue_since is not None,
            }
        steps.append(
            StepperStep(
                step=step,
                label=STEP_LABELS[step],
                icon=STEP_ICONS[step],
                status=status,
                status_label=STATUS_LABELS[status],
                **extra,
            )
        )
    outcome_label, outcome_icon = OUTCOMES.get(state, ("", ""))
    return StepperStages(
        steps=steps, state=state, outcome_label=outcome_label, outcome_icon=outcome_icon
    )


# --- Digests --------------------------------------------------------------------------------

# When the digests are made (local time), and so where the period each one tells of ends: the
# staff's every morning, the families' on Monday mornings (CELERY_BEAT_SCHEDULE runs them then).
STAFF_DIGEST_AT = time(8)
FAMILY_DIGEST_AT = time(9)
FAMILY_DIGEST_WEEKDAY = 0  # Monday
# A digest lists this many suggestions of each part, then says how many more there are.
DIGEST_ITEMS = 10


def digest_period(day: date, at: time, days: int) -> tuple[datetime, datetime]:
    """[since, until) of the digest made on `day` at `at`: the `days` before it."""
    until = timezone.make_aware(datetime.combine(day, at))
    return until - timedelta(days=days), until


@dataclass(frozen=True)
class DigestPart:
    """One part of a staff digest: what it is about ("arrived", "overdue", "needs_owner"), how
    many suggestions, and the first DIGEST_ITEMS of them (pk and title only)."""

    kind: str
    total: int
    items: list[Suggestion]


def staff_digest(
    *, organisation_id: int | None, since: datetime, until: datetime, limit: int = DIGEST_ITEMS
) -> list[DigestPart]:
    """What a staff digest says, its empty parts left out. An organisation's: what arrived on
    its desk in [since, until) and is still there, and what on its desk is overdue now. The
    programme office's (organisation_id None): what found no owner, and what is overdue across
    the city. Two queries a part at most (the count only when there are more than `limit`)."""
    if organisation_id is None:
        parts = {
            "needs_owner": Suggestion.objects.filter(needs_admin=True),
            "overdue": Suggestion.objects.filter(
                overdue_since__isnull=False, state__in=list(workflow.OWNED_STATES)
            ),
        }
    else:
        desk = Suggestion.objects.filter(
            owner_id=organisation_id, state__in=list(workflow.OWNED_STATES)
        )
        parts = {
            "arrived": desk.filter(stage_started_at__gte=since, stage_started_at__lt=until),
            "overdue": desk.filter(overdue_since__isnull=False),
        }
    digest = []
    for kind, suggestions in parts.items():
        items = list(suggestions.only("pk", "title").order_by("due_at", "pk")[:limit])
        if not items:
            continue
        total = len(items) if len(items) < limit else suggestions.count()
        digest.append(DigestPart(kind=kind, total=total, items=items))
    return digest


@dataclass(frozen=True)
class FamilyNews:
    """What happened to one child's suggestion in a family's week: its kinds of news, in order."""

    suggestion: Suggestion
    kinds: list[str]


def family_digest(*, user: User, since: datetime, until: datetime) -> list[FamilyNews]:
    """A guardian's week: their notices of [since, until), one entry a suggestion (the first
    news first), each with the suggestion's child (its pseudonym). One query."""
    notices = (
        Notification.objects.filter(recipient=user, created_at__gte=since, created_at__lt=until)
        .select_related("suggestion__child")
        .order_by("created_at", "pk")
    )
    news: dict[int, FamilyNews] = {}
    for notice in notices:
        entry = news.setdefault(
            notice.suggestion_id, FamilyNews(suggestion=notice.suggestion, kinds=[])
        )
        if notice.kind not in entry.kinds:
            entry.kinds.append(notice.kind)
    return list(news.values())


def guardians_with_news(user_ids: list[int], *, since: datetime, until: datetime) -> set[int]:
    """Which of these guardians have a notice in [since, until): one query."""
    return set(
        Notification.objects.filter(
            recipient_id__in=user_ids, created_at__gte=since, created_at__lt=until
        )
        .values_list("recipient_id", flat=True)
        .distinct()
    )


# --- Similar suggestions and the search (suggestions/search.py) -------------------------------

# Not yet sent, sent back to the child, or ended without being done: nothing to add a voice to.
NOT_SIMILAR_STATES = (State.DRAFT, State.RETURNED, State.MERGED, State.DECLINED, State.WITHDRAWN)


def findable(user, suggestions: QuerySet[Suggestion]) -> QuerySet[Suggestion]:
    """Of these suggestions, those a user may find: what they may open (visible_to), and every
    implemented one, which 'you said, we did' shows to all. Each annotated with `opens`: whether
    the user may open its page (else it is one of 'you said, we did'). The rule is asked of these
    suggestions only, not of the whole table: a search over a million asks it of a few hundred."""
    if not user.is_authenticated:
        return suggestions.none()
    if is_admin(user):
        opens = Value(True)
    else:
        opens = Q(pk__in=suggestions.filter(seen_by(user)).values("pk"))
    suggestions = suggestions.annotate(opens=ExpressionWrapper(opens, output_field=BooleanField()))
    return suggestions.filter(Q(state=State.IMPLEMENTED) | Q(opens=True))


def _found_list(queryset: QuerySet[Suggestion]) -> QuerySet[Suggestion]:
    return queryset.select_related("focus_area", "child").order_by("-rank", "-pk")


def similar_suggestions(text: str, *, user, exclude: int | None = None, limit: int = 5):
    """Open and implemented suggestions that look like `text`, that `user` may find, best first:
    those with every word of it, then, if they are fewer than `limit`, those with some of them.
    One query, or two. A list."""
    from .search import matching, query_words

    found = query_words(text)
    if not found or not user.is_authenticated:
        return []
    pool = Suggestion.objects.exclude(state__in=NOT_SIMILAR_STATES)
    if exclude is not None:
        pool = pool.exclude(pk=exclude)
    best = list(_found_list(findable(user, matching(pool, found, every=True)))[:limit])
    if len(best) < limit and len(found) > 1:
        rest = matching(pool.exclude(pk__in=[s.pk for s in best]), found, every=False)
        best += list(_found_list(findable(user, rest))[: limit - len(best)])
    return best


def suggestion_search(text: str, *, user) -> QuerySet[Suggestion]:
    """The suggestions `user` may find that have every word of `text`, best first."""
    from .search import matching, query_words

    found = query_words(text)
    if not found or not user.is_authenticated:
        return Suggestion.objects.none()
    return _found_list(findable(user, matching(Suggestion.objects.all(), found, every=True)))


def merge_candidates_alike(suggestion: Suggestion) -> QuerySet[Suggestion]:
    """merge_candidates, those most like this suggestion first (the same words), then the
    newest: where staff choose the one it joins."""
    from .search import ranked

    return ranked(merge_candidates(suggestion), suggestion.search_words.split()).order_by(
        "-rank", "-created_at"
    )


# --- "Me too" -------------------------------------------------------------------------------


def with_voices(suggestions: QuerySet[Suggestion]) -> QuerySet[Suggestion]:
    """Each suggestion with `voice_count` (the children who said "me too") and
    `voice_other_schools` (their schools other than the author's), as subqueries: no query
    per row, and no join to multiply the rows of a list. Read them through `heard_from`."""
    voices = Voice.objects.filter(suggestion=OuterRef("pk")).order_by().values("suggestion")
    return suggestions.annotate(
        voice_count=Coalesce(Subquery(voices.annotate(n=Count("pk")).values("n")), 0),
        voice_other_schools=Coalesce(
            Subquery(
                voices.exclude(child__school_id=OuterRef("child__school_id"))
                .annotate(n=Count("child__school_id", distinct=True))
                .values("n")
            ),
            0,
        ),
    )


@dataclass(frozen=True)
class HeardFrom:
    """How many children a suggestion speaks for (its author and those who said "me too"),
    and from how many schools: "27 children in 6 schools"."""

    children: int
    schools: int

    @property
    def others(self) -> int:
        """The children besides the author: "you and 26 other children"."""
        return self.children - 1


def heard_from(suggestion: Suggestion) -> HeardFrom:
    """Read from with_voices' annotations when they are there, else counted (two queries):
    the detail page counts one suggestion, the lists annotate theirs."""
    if not hasattr(suggestion, "voice_count"):
        suggestion = with_voices(Suggestion.objects.filter(pk=suggestion.pk)).get()
    return HeardFrom(
        children=1 + suggestion.voice_count, schools=1 + suggestion.voice_other_schools
    )


def voices_of(suggestion: Suggestion) -> list[Voice]:
    """The voices on a suggestion, oldest first, each with its child (pseudonym only). None
    to ask for when with_voices counted none."""
    if getattr(suggestion, "voice_count", None) == 0:
        return []
    return list(
        Voice.objects.filter(suggestion=suggestion)
        .select_related("child")
        .only("line", "created_at", "suggestion_id", "child__pseudonym", "child__school_id")
        .order_by("created_at", "pk")
    )


def voice_of(child: Child | None, suggestion: Suggestion) -> Voice | None:
    if child is None:
        return None
    return Voice.objects.filter(suggestion=suggestion, child=child).first()


def voiced_by(child: Child) -> QuerySet[Suggestion]:
    """The suggestions a child said "me too" to, the latest first ("我也支持的建议")."""
    return (
        with_voices(Suggestion.objects.filter(voices__child=child))
        .select_related("focus_area", "child")
        .order_by("-voices__created_at", "-pk")
    )


# --- Recorded on behalf of children ---------------------------------------------------------


def _recorded_seen(user, mentor) -> Q:
    """Who else sees a suggestion recorded on behalf of children (permissions.
    one_of_its_authors_or_their_adults): its authors, their guardians and mentors, and the
    adult who recorded it."""
    seen = (
        Q(authors__child__user=user)
        | Q(authors__child__guardians__user=user)
        | Q(recorded__recorded_by=user)
    )
    if mentor is not None:
        mentored = Membership.objects.current().members().filter(sub_team__mentors=mentor)
        seen |= Q(authors__child__in=mentored.values("child_id"))
    return seen


def recorded_authors(suggestion: Suggestion) -> list[Child]:
    """The children a suggestion was recorded for, the first named first (as loaded by
    suggestion_detail); none, and no query, for a child's own."""
    if getattr(suggestion, "recorded", None) is None:
        return []
    return list(
        Child.objects.filter(authorships__suggestion=suggestion).order_by("authorships__pk")
    )


def recordable_children(user, group) -> list[Child]:
    """The children the user may name when recording for the group, by pseudonym."""
    return list(
        Child.objects.filter(pk__in=permissions.recordable_children(user, group)).order_by(
            "pseudonym"
        )
    )
