"""Reads for the role home pages: what each role sees first, gathered from every app.

The home pages sit at the top of the house: they may read any app, and no app reads them.
"""

from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.directory import practice_base_expiry_counts
from activities.selectors import training_of_child
from groups.models import (
    Child,
    GroupLevel,
    Guardianship,
    Membership,
    Mentor,
    ObservationGroup,
    Organisation,
    Role,
    SubTeam,
    User,
)
from groups.selectors import organisation_detail, programme_figures, sub_teams_with_leadership
from privacy.models import Consent
from reports.selectors import worker_status
from suggestions.models import NotificationKind, Suggestion
from suggestions.selectors import (
    cards_of_child,
    inbox_summary,
    needing_the_office,
    suggestion_counts_of_child,
    suggestion_stages,
    unread_count,
    unread_news,
    waiting_for_child,
)
from suggestions.workflow import State

# A turn as sub-team leader is worth a line on the child's home this many days ahead.
LEADER_TURN_AHEAD = timedelta(days=14)
# On a guardian's home, each child's newest suggestions.
GUARDIAN_CARDS = 3


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
    waiting = waiting_for_child(child)
    return {
        "child": child,
        "membership": membership,
        "sub_team": sub_team,
        # What needs the child first: answers not yet read, questions, drafts, their turn.
        "answers": unread_news(user, kinds=[NotificationKind.ANSWERED]),
        "questions": waiting["questions"],
        "drafts": waiting["drafts"],
        "leader_turn": _leader_turn(child, sub_team),
        "cards": cards_of_child(child),
        "suggestion_counts": suggestion_counts_of_child(child),
        "training": list(training_of_child(child)[:5]),
        "activities": list(child.activities.select_related("group").order_by("-starts_at")[:3]),
    }


def _leader_turn(child, sub_team) -> dict | None:
    """The child leads their sub-team now, or their turn starts within LEADER_TURN_AHEAD."""
    if sub_team is None:
        return None
    leadership = sub_team.leadership
    if leadership.current and leadership.current.child == child:
        return {"now": True, "until": leadership.handover_on}
    starts = leadership.handover_on
    if leadership.next == child and starts and starts - timezone.localdate() <= LEADER_TURN_AHEAD:
        return {"now": False, "starts": starts}
    return None


def _guardian_home(user):
    guardian = getattr(user, "guardian", None)
    if guardian is None:
        return {"profile_missing": True}
    links = Guardianship.objects.filter(guardian=guardian, child=OuterRef("pk"))
    children = list(
        guardian.children.select_related("school")
        .annotate(
            training_count=Count("attendances", distinct=True),
            consent_in_force=Exists(
                Consent.objects.filter(child=OuterRef("pk"), withdrawn_at__isnull=True)
            ),
            my_consent_in_force=Exists(
                Consent.objects.filter(
                    child=OuterRef("pk"), guardian=guardian, withdrawn_at__isnull=True
                )
            ),
            photo_consent_on=Subquery(links.values("photo_consent_on")[:1]),
        )
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.current()
                .members()
                .filter(sub_team__isnull=False)
                .select_related("sub_team__focus_area"),
                to_attr="current_sub_team_rows",
            ),
            Prefetch(
                "suggestions",
                queryset=Suggestion.objects.exclude(state=State.WITHDRAWN)
                .select_related("focus_area", "owner")
                .prefetch_related("history")
                .order_by("-created_at")[:GUARDIAN_CARDS],
                to_attr="cards",
            ),
        )
        .order_by("pk")
    )
    return {
        "guardian": guardian,
        "children": children,
        "news": unread_news(user),
        "unread": unread_count(user),
    }


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
