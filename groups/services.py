import logging
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .models import Child, Membership, MembershipRole, SubTeam

logger = logging.getLogger(__name__)


def next_in_rotation(rotation: list[Membership], after: Child | None) -> Child | None:
    """The member after `after` in the rotation (member rows in order), wrapping round.

    Pure: the selectors call it on prefetched rows, the hand-over on rows it has just read.
    """
    if not rotation:
        return None
    children = [row.child_id for row in rotation]
    if after is None or after.pk not in children:
        return rotation[0].child
    return rotation[(children.index(after.pk) + 1) % len(rotation)].child


def rotation_of(sub_team: SubTeam) -> list[Membership]:
    """The sub-team's current members who take turns leading, in their order."""
    return list(
        sub_team.memberships.current()
        .members()
        .filter(rotation_position__isnull=False)
        .select_related("child")
        .order_by("rotation_position")
    )


def _locked_with_current_leader(sub_team: SubTeam) -> tuple[SubTeam, Membership | None]:
    """Lock the sub-team row, then read its current leader.

    Every change of a sub-team's leadership starts here, so two of them (two beat runs, a task
    delivered twice, an admin at the same moment) take turns, and the second sees what the
    first did. The `one_current_leader_per_sub_team` constraint backs this up.
    """
    sub_team = SubTeam.objects.select_for_update().get(pk=sub_team.pk)
    current = sub_team.memberships.current().leaders().select_related("child").first()
    return sub_team, current


def _hand_over(
    sub_team: SubTeam, current: Membership | None, successor: Child | None, on: date
) -> Membership | None:
    if successor is None or (current and current.child_id == successor.pk):
        return None
    if not sub_team.memberships.current().members().filter(child=successor).exists():
        raise ValidationError(_("Only a current member of the sub-team can lead it."))
    if current:
        if on < current.starts_on:
            raise ValidationError(_("A leadership term cannot end before it starts."))
        current.ends_on = on
        current.save(update_fields=["ends_on"])
    leader = Membership(
        child=successor, sub_team=sub_team, role=MembershipRole.LEADER, starts_on=on
    )
    leader.full_clean()
    try:
        with transaction.atomic():
            leader.save()
    except IntegrityError as error:
        raise ValidationError(_("This sub-team already has a current leader.")) from error
    logger.debug("sub-team %s: leadership handed over (membership %s)", sub_team.pk, leader.pk)
    return leader


@transaction.atomic
def sub_team_leadership_hand_over(
    *, sub_team: SubTeam, on: date, to: Child | None = None
) -> Membership | None:
    """End the current leader's term on `on` and start `to`'s, or the next member's.

    For the admin's "hand over now": it hands over whether or not the term has ended. Returns
    the new leader row, or None when there is nobody else to hand over to.
    """
    sub_team, current = _locked_with_current_leader(sub_team)
    successor = to or next_in_rotation(rotation_of(sub_team), current.child if current else None)
    return _hand_over(sub_team, current, successor, on)


@transaction.atomic
def sub_team_leadership_rotate(*, sub_team: SubTeam, today: date) -> Membership | None:
    """Hand over to the next member if the current term has ended by `today`, or if nobody leads.

    The new term starts `today`, also when the worker was down on the day the old one ended.
    A second call on the same day finds the new term running and changes nothing.
    """
    sub_team, current = _locked_with_current_leader(sub_team)
    if current is not None and current.term_ends_on > today:
        return None
    successor = next_in_rotation(rotation_of(sub_team), current.child if current else None)
    return _hand_over(sub_team, current, successor, today)


def sub_teams_rotate_due(*, today: date) -> int:
    """Rotate every sub-team whose term has ended, each in its own transaction; return the
    number of hand-overs."""
    return sum(
        sub_team_leadership_rotate(sub_team=sub_team, today=today) is not None
        for sub_team in SubTeam.objects.all()
    )


@transaction.atomic
def membership_end(*, membership: Membership, on: date) -> Membership:
    """End a child's membership; a sub-team leader also stops leading on that day."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.ends_on is not None:
        raise ValidationError(_("This membership has already ended."))
    if on < membership.starts_on:
        raise ValidationError(_("A membership cannot end before it starts."))
    membership.ends_on = on
    membership.save(update_fields=["ends_on"])
    if membership.role == MembershipRole.MEMBER and membership.sub_team_id:
        Membership.objects.current().leaders().filter(
            sub_team_id=membership.sub_team_id, child_id=membership.child_id, starts_on__lte=on
        ).update(ends_on=on)
    return membership
