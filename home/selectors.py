"""Reads for the role home pages: what each role sees first, gathered from every app.

The home pages sit at the top of the house: they may read any app, and no app reads them.
"""

from datetime import timedelta

from django.db.models import Count, Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.directory import practice_base_expiry_counts
from activities.selectors import training_of_child
from groups.models import (
    Child,
    GroupLevel,
    Membership,
    Mentor,
    ObservationGroup,
    Organisation,
    Role,
    SubTeam,
    User,
)
from groups.selectors import organisation_detail, programme_figures, sub_teams_with_leadership
from reports.selectors import worker_status
from suggestions.models import Suggestion
from suggestions.selectors import (
    inbox_summary,
    needing_the_office,
    suggestion_counts_of_child,
    suggestion_stages,
)
from suggestions.workflow import State


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


def design_examples() -> dict:
    """Made-up suggestions at each step, for the steppers of the design page. Nothing is read
    from or written to the database."""
    now = timezone.now()
    school = Organisation(name="文三街小学", name_en="Wensan Street Primary School")
    community = Organisation(name="文三社区", name_en="Wensan Community")
    department = Organisation(name="杭州市园林文物局", name_en="City Parks Department")
    examples = [
        (_("A draft"), Suggestion(state=State.DRAFT), None),
        (_("Returned with a question"), Suggestion(state=State.RETURNED), None),
        (
            _("At the school"),
            Suggestion(state=State.AT_SCHOOL, owner=school, due_at=now + timedelta(days=7)),
            None,
        ),
        (
            _("At the community, late"),
            Suggestion(
                state=State.AT_COMMUNITY,
                owner=community,
                due_at=now - timedelta(days=2),
                overdue_since=now - timedelta(days=1),
            ),
            None,
        ),
        (
            _("Being built by a department"),
            Suggestion(state=State.IN_PROGRESS, owner=department, due_at=now + timedelta(days=30)),
            None,
        ),
        (_("Done by the community"), Suggestion(state=State.IMPLEMENTED), State.AT_COMMUNITY),
        (_("Declined by a department"), Suggestion(state=State.DECLINED), State.AT_DEPARTMENT),
    ]
    return {
        "examples": [
            (title, suggestion_stages(suggestion, came_from=came_from))
            for title, suggestion, came_from in examples
        ],
    }
