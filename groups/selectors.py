"""Reads for the groups pages. Each list names its joins; tests pin their query counts."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet

from .models import (
    Alliance,
    Child,
    GroupLevel,
    Membership,
    MembershipRole,
    ObservationGroup,
    Organisation,
    OrganisationKind,
    Role,
    SubTeam,
    User,
)
from .services import next_in_rotation

CURRENT_MEMBER = Q(memberships__role=MembershipRole.MEMBER, memberships__ends_on__isnull=True)


@dataclass
class Leadership:
    """Who leads a sub-team now, until when, who is next, and who led before."""

    current: Membership | None
    next: Child | None
    handover_on: date | None
    previous: list[Membership] = field(default_factory=list)


def _leadership(sub_team: SubTeam) -> Leadership:
    """From the rows prefetched by `sub_teams_with_leadership` (no query of its own)."""
    latest = sub_team.latest_leader_rows[0] if sub_team.latest_leader_rows else None
    current = latest if latest and latest.ends_on is None else None
    successor = next_in_rotation(sub_team.rotation, latest.rotation_position if latest else None)
    if current and successor == current.child:
        successor = None
    return Leadership(
        current=current,
        next=successor,
        handover_on=current.term_ends_on if current else None,
        previous=getattr(sub_team, "past_leaders", []),
    )


def sub_teams_with_leadership(
    queryset: QuerySet[SubTeam] | None = None, *, history: bool = False
) -> list[SubTeam]:
    """Sub-teams, each with `.leadership` (a Leadership) and `.member_count`, in 3–4 queries."""
    queryset = SubTeam.objects.all() if queryset is None else queryset
    current_members = Membership.objects.current().members()
    prefetches = [
        Prefetch(
            "memberships",
            queryset=Membership.objects.leaders()
            .select_related("child")
            .order_by("-starts_on")[:1],
            to_attr="latest_leader_rows",
        ),
        Prefetch(
            "memberships",
            queryset=current_members.filter(rotation_position__isnull=False)
            .select_related("child")
            .order_by("rotation_position"),
            to_attr="rotation",
        ),
    ]
    if history:
        prefetches.append(
            Prefetch(
                "memberships",
                queryset=Membership.objects.leaders()
                .filter(ends_on__isnull=False)
                .select_related("child")
                .order_by("-starts_on"),
                to_attr="past_leaders",
            )
        )
    sub_teams = list(
        queryset.select_related("focus_area", "group")
        .annotate(member_count=Count("memberships", filter=CURRENT_MEMBER))
        .prefetch_related(*prefetches)
    )
    for sub_team in sub_teams:
        sub_team.leadership = _leadership(sub_team)
    return sub_teams


def sub_team_detail(*, sub_team_id: int, history: bool) -> SubTeam:
    """One sub-team with its leadership, current members in rotation order, and mentors."""
    queryset = SubTeam.objects.filter(pk=sub_team_id).prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.current()
            .members()
            .select_related("child")
            .order_by("rotation_position", "child__pseudonym"),
            to_attr="current_members",
        ),
        Prefetch("mentors", queryset=_mentors_queryset()),
    )
    found = sub_teams_with_leadership(queryset, history=history)
    if not found:
        raise SubTeam.DoesNotExist
    return found[0]


def _mentors_queryset():
    from .models import Mentor

    return Mentor.objects.select_related("user", "organisation").order_by("user__display_name")


def group_detail(*, group_id: int) -> ObservationGroup:
    group = (
        ObservationGroup.objects.select_related(
            "organisation", "organisation__district", "alliance", "fostered_by__organisation"
        )
        .prefetch_related(
            Prefetch(
                "fostered",
                queryset=ObservationGroup.objects.select_related("organisation").order_by("name"),
            )
        )
        .get(pk=group_id)
    )
    group.member_count = Membership.objects.current().members().of_group(group).count()
    return group


def municipal_group_parts(group: ObservationGroup) -> dict:
    """The sub-teams with their leaders, and the mentor team, of the municipal group."""
    from .models import MentorTeam

    team = (
        MentorTeam.objects.filter(group=group)
        .prefetch_related(
            Prefetch(
                "mentors", queryset=_mentors_queryset().prefetch_related("sub_teams__focus_area")
            )
        )
        .first()
    )
    return {
        "sub_teams": sub_teams_with_leadership(SubTeam.objects.filter(group=group)),
        "mentor_team": team,
    }


def alliance_overview() -> list[Alliance]:
    """Each alliance with its member groups (and who runs them) and what they foster."""
    return list(
        Alliance.objects.prefetch_related(
            Prefetch(
                "members",
                queryset=ObservationGroup.objects.select_related(
                    "organisation", "organisation__district"
                )
                .prefetch_related(
                    Prefetch("fostered", queryset=ObservationGroup.objects.order_by("name"))
                )
                .order_by("organisation__kind", "name"),
            )
        ).order_by("name")
    )


def organisation_detail(*, organisation_id: int) -> Organisation:
    organisation = Organisation.objects.select_related("district", "community").get(
        pk=organisation_id
    )
    organisation.groups_run = list(
        organisation.observation_groups.annotate(fostered_count=Count("fostered")).order_by("name")
    )
    if organisation.kind == OrganisationKind.SCHOOL:
        organisation.pupil_count = organisation.pupils.filter(left_on__isnull=True).count()
    elif organisation.kind == OrganisationKind.COMMUNITY:
        organisation.schools_in = list(
            organisation.schools.annotate(
                pupil_count=Count("pupils", filter=Q(pupils__left_on__isnull=True))
            ).order_by("name")
        )
    return organisation


def programme_figures() -> dict:
    """The admin's overview: the size of the programme today."""
    groups = ObservationGroup.objects.aggregate(
        municipal=Count("pk", filter=Q(level=GroupLevel.MUNICIPAL)),
        alliance_members=Count("pk", filter=Q(level=GroupLevel.ALLIANCE_MEMBER)),
        participation_orgs=Count("pk", filter=Q(level=GroupLevel.PARTICIPATION_ORG)),
    )
    return {
        **groups,
        "sub_teams": SubTeam.objects.count(),
        "children": Child.objects.filter(left_on__isnull=True).count(),
        "mentors": User.objects.filter(role=Role.MENTOR, mentor__isnull=False).count(),
        "organisations": Organisation.objects.count(),
    }
