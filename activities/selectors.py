from django.db.models import Count, Prefetch, Q, QuerySet

from groups.models import (
    Child,
    Membership,
    MembershipRole,
    ObservationGroup,
    Organisation,
    OrganisationKind,
    SubTeam,
)
from groups.permissions import is_admin, works_for_group
from suggestions.models import Suggestion

from .models import PARTNER_KINDS, Activity, ActivityPhoto, Attendance, TrainingSession


def training_of_sub_team(sub_team: SubTeam) -> dict:
    """The sub-team's sessions, each with its attendance, and the overall attendance rate
    (attendances over members × sessions, with today's members). A session shared with other
    sub-teams counts only this sub-team's children."""
    own = Q(attendances__child__memberships__sub_team=sub_team) & Q(
        attendances__child__memberships__role=MembershipRole.MEMBER
    )
    sessions = list(
        TrainingSession.objects.filter(sub_teams=sub_team)
        .annotate(present=Count("attendances", filter=own, distinct=True))
        .prefetch_related("mentors__user", "materials")
        .order_by("-held_on", "-pk")
    )
    members = Membership.objects.current().members().filter(sub_team=sub_team).count()
    present = sum(session.present for session in sessions)
    possible = members * len(sessions)
    return {
        "sessions": sessions,
        "members": members,
        "rate": round(100 * present / possible) if possible else None,
    }


def training_of_child(child: Child) -> QuerySet[TrainingSession]:
    """The sessions a child attended, newest first: their participation history."""
    return TrainingSession.objects.filter(attendances__child=child).order_by("-held_on")


def session_for_edit(pk: int) -> TrainingSession:
    return TrainingSession.objects.prefetch_related(
        "sub_teams",
        "materials",
        "mentors",
        Prefetch("attendances", queryset=Attendance.objects.select_related("child")),
    ).get(pk=pk)


def activity_list() -> QuerySet[Activity]:
    return Activity.objects.select_related("group", "practice_base", "programme").order_by(
        "-starts_at", "-pk"
    )


def activity_detail(pk: int) -> Activity:
    return (
        Activity.objects.select_related("group", "practice_base__district", "programme")
        .prefetch_related(
            "sub_teams",
            "partners",
            Prefetch("attendees", queryset=Child.objects.order_by("pseudonym")),
            Prefetch("suggestions", queryset=Suggestion.objects.order_by("pk")),
            Prefetch("photos", queryset=ActivityPhoto.objects.prefetch_related("consents")),
        )
        .get(pk=pk)
    )


def mentors_own_sub_teams(user, group: ObservationGroup) -> QuerySet[SubTeam] | None:
    """For a mentor logging the municipal group's activities: the sub-teams they mentor, the
    only ones (and whose children the only ones) they may name. None for admins and for the
    staff who run the group, who may name any."""
    if is_admin(user) or works_for_group(user, group):
        return None
    mentor = getattr(user, "mentor", None)
    return mentor.sub_teams.filter(group=group) if mentor else SubTeam.objects.none()


def group_members(group: ObservationGroup, also=(), within=None) -> list[Child]:
    """The group's current members by pseudonym (those who can be named at its activities),
    only those of the sub-teams `within` if given, then any of `also` (an activity's attendees
    who have left since)."""
    rows = Membership.objects.current().members().of_group(group)
    if within is not None:
        rows = rows.filter(sub_team__in=within)
    members = list(Child.objects.filter(pk__in=rows.values("child_id")).order_by("pseudonym"))
    listed = {child.pk for child in members}
    return members + [child for child in also if child.pk not in listed]


def members_with_sub_team(sub_teams, also=()) -> list[tuple[Child, SubTeam | None]]:
    """The sub-teams' current members with their sub-team, then any of `also` (a session's
    attendees who have left since) with none."""
    rows = (
        Membership.objects.current()
        .members()
        .filter(sub_team__in=sub_teams)
        .select_related("child", "sub_team")
        .order_by("sub_team__focus_area__position", "child__pseudonym")
    )
    pairs = [(row.child, row.sub_team) for row in rows]
    listed = {child.pk for child, _team in pairs}
    return pairs + [(child, None) for child in also if child.pk not in listed]


def partner_organisations() -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind__in=PARTNER_KINDS).order_by("kind", "name")


def participation_of_child(child: Child) -> dict:
    """What a child took part in, newest first: training sessions and activities."""
    return {
        "training": list(training_of_child(child).prefetch_related("sub_teams")),
        "activities": list(
            child.activities.select_related("group", "practice_base").order_by("-starts_at")
        ),
    }


def sub_teams_for_logging(user) -> QuerySet[SubTeam]:
    """The sub-teams a user may log training sessions for: all for admins, else their own."""
    if is_admin(user):
        return SubTeam.objects.all()
    mentor = getattr(user, "mentor", None)
    return mentor.sub_teams.all() if mentor else SubTeam.objects.none()


def topic_partners() -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        kind__in=[OrganisationKind.UNIVERSITY, OrganisationKind.BUSINESS]
    ).order_by("kind", "name")


def sub_teams_seen_by(user) -> QuerySet[SubTeam]:
    """The sub-teams whose pages (and training sessions) the user may see: all for admins;
    a mentor's own; a child's and a guardian's children's current sub-teams."""
    if not user.is_authenticated:
        return SubTeam.objects.none()
    if is_admin(user):
        return SubTeam.objects.all()
    current = Membership.objects.current().members()
    return SubTeam.objects.filter(
        Q(mentors__user=user)
        | Q(pk__in=current.filter(child__user=user).values("sub_team"))
        | Q(pk__in=current.filter(child__guardians__user=user).values("sub_team"))
    ).distinct()
