from django.db.models import Count, Prefetch, QuerySet

from groups.models import Child, Membership, SubTeam

from .models import Attendance, TrainingSession


def training_of_sub_team(sub_team: SubTeam) -> dict:
    """The sub-team's sessions, each with its attendance, and the overall attendance rate
    (attendances over members × sessions, with today's members)."""
    sessions = list(
        TrainingSession.objects.filter(sub_teams=sub_team)
        .annotate(present=Count("attendances", distinct=True))
        .prefetch_related("mentors__user")
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
        "sub_teams", Prefetch("attendances", queryset=Attendance.objects.select_related("child"))
    ).get(pk=pk)
