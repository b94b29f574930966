"""Who may see which suggestions, and who may write them. Who may *move* one is decided by the
workflow table with `services.actor_for`; this module only answers "may they look"."""

import rules

from groups.models import Guardianship, Membership, Role
from groups.permissions import is_admin


def _child_of(user):
    return getattr(user, "child", None) if user.is_authenticated else None


@rules.predicate
def wrote_it(user, suggestion):
    child = _child_of(user)
    return child is not None and suggestion.child_id == child.pk


@rules.predicate
def guards_its_author(user, suggestion):
    return (
        user.is_authenticated
        and Guardianship.objects.filter(guardian__user=user, child_id=suggestion.child_id).exists()
    )


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
    mentor = getattr(user, "mentor", None) if user.is_authenticated else None
    return (
        mentor is not None
        and Membership.objects.current()
        .members()
        .filter(child_id=suggestion.child_id, sub_team__mentors=mentor)
        .exists()
    )


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
    | one_of_theirs_was_merged_into_it,
)
rules.add_perm("suggestions.write_suggestion", is_child_observer)
rules.add_perm("suggestions.see_inbox", works_in_the_pipeline)
