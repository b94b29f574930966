"""Reads for the role home pages: what each role sees first, gathered from every app.

The home pages sit at the top of the house: they may read any app, and no app reads them.
"""

from django.db.models import Count, Prefetch

from activities.directory import practice_base_expiry_counts
from activities.selectors import training_of_child
from groups.models import (
    Child,
    GroupLevel,
    Membership,
    Mentor,
    ObservationGroup,
    Role,
    SubTeam,
    User,
)
from groups.selectors import organisation_detail, programme_figures, sub_teams_with_leadership
from reports.selectors import worker_status
from suggestions.selectors import inbox_summary, needing_the_office, suggestion_counts_of_child


def home_for(user: User) -> dict:
    """What a role's home page shows: who the user is in the programme, and what comes next."""
    builder = {
        Role.CHILD: _child_home,
        Role.GUARDIAN: _guardian_home,
        Role.MENTOR: _mentor_home,
        Role.SCHOOL: _staff_home,
        Role.COMMUNITY: _staff_home,
        Role.DEPARTMENT: _staff_home,
        Role.ADMIN: _admin_home,
    }.get(user.role)
    return builder(user) if builder else {}


def _current_sub_team_membership(child: Child) -> Membership | None:
    return (
        child.memberships.current()
        .members()
        .filter(sub_team__isnull=False)
        .select_related("sub_team")
        .first()
    )


def _child_home(user):
    child = Child.objects.filter(user=user).select_related("school", "community").first()
    if child is None:
        return {"profile_missing": True}
    membership = _current_sub_team_membership(child)
    sub_team = None
    if membership:
        sub_team = sub_teams_with_leadership(SubTeam.objects.filter(pk=membership.sub_team_id))[0]
    return {
        "child": child,
        "membership": membership,
        "sub_team": sub_team,
        "suggestion_counts": suggestion_counts_of_child(child),
        "training": list(training_of_child(child)),
    }


def _guardian_home(user):
    guardian = getattr(user, "guardian", None)
    if guardian is None:
        return {"profile_missing": True}
    children = list(
        guardian.children.select_related("school")
        .annotate(training_count=Count("attendances", distinct=True))
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.current()
                .members()
                .filter(sub_team__isnull=False)
                .select_related("sub_team__focus_area"),
                to_attr="current_sub_team_rows",
            )
        )
    )
    return {"guardian": guardian, "children": children}


def _mentor_home(user):
    mentor = Mentor.objects.filter(user=user).select_related("team", "organisation").first()
    if mentor is None:
        return {"profile_missing": True}
    sub_teams = sub_teams_with_leadership(SubTeam.objects.filter(mentors=mentor))
    handovers = sorted(
        (t for t in sub_teams if t.leadership.handover_on and t.leadership.next),
        key=lambda t: t.leadership.handover_on,
    )
    return {"mentor": mentor, "sub_teams": sub_teams, "next_handover": handovers[:1]}


def _staff_home(user):
    staff = getattr(user, "staff", None)
    if staff is None:
        return {"profile_missing": True}
    return {
        "staff": staff,
        "organisation": organisation_detail(organisation_id=staff.organisation_id),
        "inbox": inbox_summary(staff.organisation_id),
    }


def _admin_home(user):
    sub_teams = sub_teams_with_leadership()
    municipal = ObservationGroup.objects.filter(level=GroupLevel.MUNICIPAL).first()

    return {
        "figures": programme_figures(),
        "municipal_group": municipal,
        "leaderless": [t for t in sub_teams if t.leadership.current is None],
        "suggestions": needing_the_office(),
        "practice_bases": practice_base_expiry_counts(),
        "worker": worker_status(),
    }
