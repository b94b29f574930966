"""Who may see which suggestions, and who may write them; and `actor_for`, the part a user
plays for a suggestion, with which the workflow table decides who may *move* it."""

import rules
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groups.models import Child, Membership, ObservationGroup, Role, User
from groups.permissions import (
    guards_child,
    is_admin,
    mentors_child,
    mentors_in_group,
    works_for_group,
)

from . import workflow
from .models import OnBehalfRecord, Suggestion, SuggestionAuthor
from .workflow import Actor, State


def _child_of(user):
    return getattr(user, "child", None) if user.is_authenticated else None


@rules.predicate
def wrote_it(user, suggestion):
    child = _child_of(user)
    return child is not None and suggestion.child_id == child.pk


@rules.predicate
def guards_its_author(user, suggestion):
    return guards_child(user, suggestion.child_id)


@rules.predicate
def owns_or_owned_it(user, suggestion):
    """Staff of the organisation that has it now, or had it at an earlier stage."""
    staff = getattr(user, "staff", None) if user.is_authenticated else None
    if staff is None:
        return False
    return (
        suggestion.owner_id == staff.organisation_id
        or suggestion.history.filter(owner_id=staff.organisation_id).exists()
    )


@rules.predicate
def mentors_its_author(user, suggestion):
    return mentors_child(user, suggestion.child_id)


@rules.predicate
def one_of_theirs_was_merged_into_it(user, suggestion):
    """The answer to a merged suggestion links here: its author, guardians and owners follow."""
    if not user.is_authenticated:
        return False
    merged = suggestion.merged_from.all()
    child = _child_of(user)
    staff = getattr(user, "staff", None)
    return (
        (child is not None and merged.filter(child=child).exists())
        or merged.filter(child__guardians__user=user).exists()
        or (staff is not None and merged.filter(history__owner_id=staff.organisation_id).exists())
    )


@rules.predicate
def one_of_its_authors_or_their_adults(user, suggestion):
    """A suggestion recorded on behalf of children: each named child (and each child of the
    group it was recorded for), their guardians and mentors, and the adult who recorded it."""
    if not user.is_authenticated:
        return False
    authors = SuggestionAuthor.objects.filter(suggestion=suggestion)
    child = _child_of(user)
    mentor = getattr(user, "mentor", None)
    return (
        (child is not None and authors.filter(child=child).exists())
        or authors.filter(child__guardians__user=user).exists()
        or (
            mentor is not None
            and authors.filter(
                child__in=Membership.objects.current()
                .members()
                .filter(sub_team__mentors=mentor)
                .values("child_id")
            ).exists()
        )
        or OnBehalfRecord.objects.filter(suggestion=suggestion, recorded_by=user).exists()
    )


@rules.predicate
def is_child_observer(user):
    return _child_of(user) is not None and user.role == Role.CHILD


@rules.predicate
def works_in_the_pipeline(user):
    return (
        user.is_authenticated
        and user.role in (Role.SCHOOL, Role.COMMUNITY, Role.DEPARTMENT)
        and getattr(user, "staff", None) is not None
    )


rules.add_perm(
    "suggestions.see_suggestion",
    is_admin
    | wrote_it
    | guards_its_author
    | owns_or_owned_it
    | mentors_its_author
    | one_of_theirs_was_merged_into_it
    | one_of_its_authors_or_their_adults,
)
rules.add_perm("suggestions.write_suggestion", is_child_observer)
rules.add_perm("suggestions.see_inbox", works_in_the_pipeline)


# --- Who is acting --------------------------------------------------------------------------

_STAGE_OF_STAFF_ROLE = {
    Role.SCHOOL: Actor.SCHOOL,
    Role.COMMUNITY: Actor.COMMUNITY,
    Role.DEPARTMENT: Actor.DEPARTMENT,
}


def actor_for(user: User, suggestion: Suggestion) -> Actor | None:
    """The part `user` plays for this suggestion now, or None if they have none."""
    if not user.is_authenticated:
        return None
    if user.role == Role.CHILD:
        child = getattr(user, "child", None)
        return Actor.CHILD if child is not None and child.pk == suggestion.child_id else None
    if is_admin(user):
        return Actor.ADMIN
    staff = getattr(user, "staff", None)
    if staff is not None and suggestion.owner_id == staff.organisation_id:
        return _STAGE_OF_STAFF_ROLE.get(user.role)
    return None


# --- Correcting the place -------------------------------------------------------------------

# Who may set right where a suggestion is: its community while it has it (the department's
# routing then goes by the new place), and its department while it has not yet said yes (the
# new place may be another department's).
PLACE_CORRECTORS = {State.AT_COMMUNITY: Actor.COMMUNITY, State.AT_DEPARTMENT: Actor.DEPARTMENT}


def may_correct_place(user: User, suggestion: Suggestion, actor: Actor | None = None) -> bool:
    """`actor`, when the caller knows it already (actor_for), saves asking again."""
    corrector = PLACE_CORRECTORS.get(State(suggestion.state))
    if corrector is None:
        return False
    return (actor or actor_for(user, suggestion)) == corrector


@rules.predicate
def owns_it_at_a_stage_that_corrects_places(user, suggestion):
    return may_correct_place(user, suggestion)


rules.add_perm("suggestions.correct_place", owns_it_at_a_stage_that_corrects_places)


# --- Finding suggestions --------------------------------------------------------------------


@rules.predicate
def is_mentor(user):
    return user.is_authenticated and getattr(user, "mentor", None) is not None


# The search page and the similar suggestions: children and those who work on suggestions,
# each over what they may see (selectors.findable_by). Guardians follow their children's own.
rules.add_perm(
    "suggestions.search_suggestions",
    is_admin | is_child_observer | works_in_the_pipeline | is_mentor,
)
# --- "Me too": a child adds their voice to another child's suggestion -----------------------

# A child may open another child's suggestion, read only, to say "me too": one of their own
# school's while it is on its way (sent, not back with its author for a question, not ended),
# or an implemented one, which is public anyway ("you said, we did"). A child who said "me
# too" keeps seeing it, whatever becomes of it.
PEER_STATES = workflow.OPEN_STATES

NOT_VISIBLE_FOR_A_VOICE = gettext_lazy(
    "You cannot see this suggestion, so you cannot say “me too” to it."
)
OWN_SUGGESTION_VOICE = gettext_lazy("This is your own suggestion: you do not need to say “me too”.")
VOICE_NEEDS_CONSENT = gettext_lazy(
    "Your guardian needs to say yes first. Then you can say “me too”."
)


def is_an_author(child, suggestion: Suggestion) -> bool:
    """The child made it: its first author, or one an adult recorded it for (SuggestionAuthor)."""
    return child is not None and (
        suggestion.child_id == child.pk
        or SuggestionAuthor.objects.filter(suggestion=suggestion, child=child).exists()
    )


def _open_to_peers(child, suggestion: Suggestion) -> bool:
    """The suggestion is one other children may see to join: implemented (public), or on its
    way at their own school (PEER_STATES). Reads `suggestion.child`."""
    if suggestion.state == State.IMPLEMENTED:
        return True
    return suggestion.state in PEER_STATES and suggestion.child.school_id == child.school_id


def peer_may_join(child, suggestion: Suggestion) -> bool:
    """Whether another child may see this suggestion to add their voice. Reads
    `suggestion.child` (select it with the suggestion)."""
    if child is None or is_an_author(child, suggestion):
        return False
    return _open_to_peers(child, suggestion)


def voice_refusal(child, suggestion: Suggestion):
    """Why this child may not add their voice to this suggestion, in words for them; None if
    they may. Not the "once only" rule: the service checks that under its lock."""
    if is_an_author(child, suggestion):
        return OWN_SUGGESTION_VOICE
    if child is None or not _open_to_peers(child, suggestion):
        return NOT_VISIBLE_FOR_A_VOICE
    # A child acts in the portal only with a guardian's consent in force (privacy/).
    if child.anonymised_at is not None or not child.consents.filter(withdrawn_at=None).exists():
        return VOICE_NEEDS_CONSENT
    return None


@rules.predicate
def may_join_it(user, suggestion):
    return is_child_observer(user) and peer_may_join(_child_of(user), suggestion)


@rules.predicate
def added_their_voice(user, suggestion):
    child = _child_of(user)
    return child is not None and suggestion.voices.filter(child=child).exists()


# What a child who is not its author sees of a suggestion: the peer page, read only.
rules.add_perm("suggestions.see_as_peer", is_child_observer & (may_join_it | added_their_voice))
rules.add_perm("suggestions.add_voice", may_join_it)
# --- Recording on behalf of children --------------------------------------------------------
# Most suggestions are born in group activities, many on paper, from children without a login.
# The adults who run the group enter them: its mentors, and the coordinators of the school or
# community that runs it. Not the programme office or a department: they hold the suggestion
# later in its journey, and should not also write it.


@rules.predicate
def records_for_group(user, group):
    if not user.is_authenticated:
        return False
    if user.role == Role.MENTOR:
        return mentors_in_group(user, group)
    return user.role in (Role.SCHOOL, Role.COMMUNITY) and works_for_group(user, group)


# The object is an ObservationGroup.
rules.add_perm("suggestions.record_on_behalf", records_for_group)


def recordable_children(user: User, group: ObservationGroup):
    """The children the user may name when recording for the group (ids, a subquery): its
    current members; for a mentor of a group with sub-teams (the municipal group), those of
    the sub-teams they mentor, as when they log its activities."""
    rows = Membership.objects.current().members().of_group(group)
    mentor = getattr(user, "mentor", None)
    if user.role == Role.MENTOR and (mentor is None or group.sub_teams.exists()):
        rows = rows.filter(sub_team__mentors=mentor)
    return rows.values("child_id")


def with_consent(children):
    """Those of these children a guardian's consent is in force for (and not anonymised). The
    consents live in the privacy app, above this one: read through the relation's name."""
    consented = Child.objects.filter(consents__pk__isnull=False, consents__withdrawn_at=None)
    return children.filter(pk__in=consented.values("pk"), anonymised_at__isnull=True)


def refusal_for(user: User, group: ObservationGroup, children: list[Child]) -> str | None:
    """Why the user may not name these children as authors of a suggestion recorded for the
    group, naming the first child who is the problem (by pseudonym); None if they may."""
    ids = [child.pk for child in children]
    members = set(
        Child.objects.filter(pk__in=recordable_children(user, group))
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    for child in children:
        if child.pk not in members:
            return _("%(child)s is not one of the children of %(group)s you look after.") % {
                "child": child.pseudonym,
                "group": group,
            }
    consented = set(with_consent(Child.objects.filter(pk__in=ids)).values_list("pk", flat=True))
    for child in children:
        if child.pk not in consented:
            return _(
                "%(child)s has no guardian's consent in force: their suggestion cannot be recorded."
            ) % {"child": child.pseudonym}
    return None
