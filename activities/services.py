from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.models import Child, Membership, Role, SubTeam, User

from .models import Attendance, TrainingSession

# A mentor may correct a session this many days after it was held; after that, an admin.
CORRECTION_DAYS = 14


class NotAllowed(PermissionDenied):
    pass


def may_correct(user: User, session: TrainingSession) -> bool:
    if user.is_superuser or user.role == Role.ADMIN:
        return True
    mentor = getattr(user, "mentor", None)
    return (
        mentor is not None
        and session.sub_teams.filter(mentors=mentor).exists()
        and (timezone.localdate() - session.held_on).days <= CORRECTION_DAYS
    )


def may_log(user: User, sub_teams: list[SubTeam]) -> bool:
    """Admins, and mentors of every one of these sub-teams, may log their sessions."""
    if user.is_superuser or user.role == Role.ADMIN:
        return True
    mentor = getattr(user, "mentor", None)
    ids = {team.pk for team in sub_teams}
    return mentor is not None and ids <= set(mentor.sub_teams.values_list("pk", flat=True))


def _validate(*, held_on: date, hours: Decimal, sub_teams, attendees: list[Child]) -> None:
    errors = {}
    if held_on > timezone.localdate():
        errors["held_on"] = _("A session in the future cannot be logged as held.")
    if not (0 < hours <= 24):
        errors["hours"] = _("A session lasts more than 0 and at most 24 hours.")
    if not sub_teams:
        errors["sub_teams"] = _("Choose the sub-team.")
    members = set(
        Membership.objects.current()
        .members()
        .filter(sub_team__in=sub_teams)
        .values_list("child_id", flat=True)
    )
    outsiders = [child.pseudonym for child in attendees if child.pk not in members]
    if outsiders:
        errors["attendees"] = _("Not in this sub-team: %(names)s.") % {
            "names": ", ".join(outsiders)
        }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def training_session_log(
    *,
    user: User,
    held_on: date,
    topic: str,
    hours: Decimal,
    sub_teams: list[SubTeam],
    attendees: list[Child],
    notes: str = "",
) -> TrainingSession:
    """A mentor logs a session they ran for their sub-team(s), with who attended."""
    if not may_log(user, sub_teams):
        raise NotAllowed
    _validate(held_on=held_on, hours=hours, sub_teams=sub_teams, attendees=attendees)
    session = TrainingSession.objects.create(
        held_on=held_on, topic=topic.strip(), hours=hours, notes=notes.strip(), logged_by=user
    )
    session.sub_teams.set(sub_teams)
    mentor = getattr(user, "mentor", None)
    if mentor is not None:
        session.mentors.add(mentor)
    Attendance.objects.bulk_create(Attendance(session=session, child=c) for c in attendees)
    return session


@transaction.atomic
def training_session_correct(
    *,
    session: TrainingSession,
    user: User,
    held_on: date,
    topic: str,
    hours: Decimal,
    attendees: list[Child],
    notes: str = "",
) -> TrainingSession:
    """Correct a session: its mentors within CORRECTION_DAYS of the day it was held, admins
    at any time."""
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if not may_correct(user, session):
        raise NotAllowed
    sub_teams = list(session.sub_teams.all())
    _validate(held_on=held_on, hours=hours, sub_teams=sub_teams, attendees=attendees)
    session.held_on, session.topic, session.hours = held_on, topic.strip(), hours
    session.notes = notes.strip()
    session.save()
    session.attendances.exclude(child__in=attendees).delete()
    present = set(session.attendances.values_list("child_id", flat=True))
    Attendance.objects.bulk_create(
        Attendance(session=session, child=c) for c in attendees if c.pk not in present
    )
    return session
