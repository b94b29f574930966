import logging
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Child, Membership, MembershipRole, SubTeam

logger = logging.getLogger(__name__)


def next_in_rotation(rotation: list[Membership], after_position: int | None) -> Child | None:
    """Whose turn it is after the term of the member at `after_position`, wrapping round.

    `rotation` is the current member rows in their order. The member at `after_position` may
    have left, or have been out of the rotation: the turn passes to the first place after it.
    Pure: the selectors call it on prefetched rows, the hand-over on rows it has just read.
    """
    if not rotation:
        return None
    if after_position is not None:
        for row in rotation:
            if row.rotation_position > after_position:
                return row.child
    return rotation[0].child


def rotation_of(sub_team: SubTeam) -> list[Membership]:
    """The sub-team's current members who take turns leading, in their order."""
    return list(
        sub_team.memberships.current()
        .members()
        .filter(rotation_position__isnull=False)
        .select_related("child")
        .order_by("rotation_position")
    )


def _locked_with_leaders(sub_team: SubTeam) -> tuple[SubTeam, Membership | None, int | None]:
    """Lock the sub-team row, then read its current leader and whose turn the last term was.

    Every change of a sub-team's leadership starts here, so two of them (two beat runs, a task
    delivered twice, an admin at the same moment) take turns, and the second sees what the
    first did. The `one_current_leader_per_sub_team` constraint backs this up.
    """
    sub_team = SubTeam.objects.select_for_update().get(pk=sub_team.pk)
    latest = sub_team.memberships.leaders().select_related("child").order_by("-starts_on").first()
    current = latest if latest and latest.ends_on is None else None
    return sub_team, current, latest.rotation_position if latest else None


def _hand_over(
    sub_team: SubTeam, current: Membership | None, successor: Child | None, on: date
) -> Membership | None:
    if successor is None or (current and current.child_id == successor.pk):
        return None
    member_row = sub_team.memberships.current().members().filter(child=successor).first()
    if member_row is None:
        raise ValidationError(_("Only a current member of the sub-team can lead it."))
    if current:
        if on < current.starts_on:
            raise ValidationError(_("A leadership term cannot end before it starts."))
        current.ends_on = on
        current.save(update_fields=["ends_on"])
    # The leader row keeps the place whose turn this term is, so that the turn passes on from
    # there even if this leader leaves the sub-team.
    leader = Membership(
        child=successor,
        sub_team=sub_team,
        role=MembershipRole.LEADER,
        starts_on=on,
        rotation_position=member_row.rotation_position,
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
    sub_team, current, last_position = _locked_with_leaders(sub_team)
    successor = to or next_in_rotation(rotation_of(sub_team), last_position)
    return _hand_over(sub_team, current, successor, on)


@transaction.atomic
def sub_team_leadership_rotate(*, sub_team: SubTeam, today: date) -> Membership | None:
    """Hand over to the next member if the current term has ended by `today`, or if nobody leads.

    The new term starts `today`, also when the worker was down on the day the old one ended.
    A second call on the same day finds the new term running and changes nothing.
    """
    sub_team, current, last_position = _locked_with_leaders(sub_team)
    if current is not None and current.term_ends_on > today:
        return None
    successor = next_in_rotation(rotation_of(sub_team), last_position)
    return _hand_over(sub_team, current, successor, today)


def sub_teams_rotate_due(*, today: date) -> int:
    """Rotate every sub-team whose term has ended; return the number of hand-overs.

    Each sub-team in its own transaction: one that cannot be rotated (its data needs an admin)
    is logged and skipped, and does not hold up the others.
    """
    handed_over = 0
    for sub_team in SubTeam.objects.all():
        try:
            handed_over += sub_team_leadership_rotate(sub_team=sub_team, today=today) is not None
        except ValidationError:
            logger.exception("sub-team %s: leadership could not be rotated", sub_team.pk)
    return handed_over


@transaction.atomic
def membership_end(*, membership: Membership, on: date) -> Membership:
    """End a child's membership on `on` (today or earlier); a sub-team leader stops leading too.

    `on` may not lie ahead: a membership is current exactly while it has no end.
    """
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.ends_on is not None:
        raise ValidationError(_("This membership has already ended."))
    if on < membership.starts_on:
        raise ValidationError(_("A membership cannot end before it starts."))
    if on > timezone.localdate():
        raise ValidationError(_("A membership can only be ended on or after the day it ends."))
    if membership.role == MembershipRole.MEMBER and membership.sub_team_id:
        leading = (
            Membership.objects.current()
            .leaders()
            .filter(sub_team_id=membership.sub_team_id, child_id=membership.child_id)
        )
        if leading.filter(starts_on__gt=on).exists():
            raise ValidationError(_("This child's leadership term starts after that day."))
        leading.update(ends_on=on)
    membership.ends_on = on
    membership.save(update_fields=["ends_on"])
    return membership
