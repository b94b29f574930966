"""Who may see what in the groups domain: every rule of the app, in one place.

Checked with `user.has_perm("groups.<rule>", obj)` (django-rules' backend). The matrix test
in tests/groups/test_permissions.py walks every role against every rule.
"""

import rules

from .models import Guardianship, Membership, MembershipRole, OrganisationKind, Role


@rules.predicate
def is_admin(user):
    return user.is_authenticated and (user.is_superuser or user.role == Role.ADMIN)


@rules.predicate
def is_logged_in(user):
    return user.is_authenticated


def _child(user):
    return getattr(user, "child", None) if user.is_authenticated else None


def _current_member_rows():
    return Membership.objects.current().filter(role=MembershipRole.MEMBER)


@rules.predicate
def mentors_sub_team(user, sub_team):
    mentor = getattr(user, "mentor", None) if user.is_authenticated else None
    return mentor is not None and mentor.sub_teams.filter(pk=sub_team.pk).exists()


@rules.predicate
def belongs_to_sub_team(user, sub_team):
    child = _child(user)
    return (
        child is not None and _current_member_rows().filter(child=child, sub_team=sub_team).exists()
    )


@rules.predicate
def guards_a_member_of_sub_team(user, sub_team):
    guardian = getattr(user, "guardian", None) if user.is_authenticated else None
    return (
        guardian is not None
        and _current_member_rows().filter(child__guardians=guardian, sub_team=sub_team).exists()
    )


@rules.predicate
def mentors_in_group(user, group):
    mentor = getattr(user, "mentor", None) if user.is_authenticated else None
    return mentor is not None and mentor.team.group_id == group.pk


@rules.predicate
def belongs_to_group(user, group):
    child = _child(user)
    return child is not None and _current_member_rows().of_group(group).filter(child=child).exists()


@rules.predicate
def guards_a_member_of_group(user, group):
    guardian = getattr(user, "guardian", None) if user.is_authenticated else None
    return (
        guardian is not None
        and _current_member_rows().of_group(group).filter(child__guardians=guardian).exists()
    )


def guards_child(user, child_id) -> bool:
    """The user is one of this child's guardians."""
    return (
        user.is_authenticated
        and Guardianship.objects.filter(guardian__user=user, child_id=child_id).exists()
    )


def mentors_child(user, child_id) -> bool:
    """The user mentors a sub-team this child is now a member of."""
    mentor = getattr(user, "mentor", None) if user.is_authenticated else None
    return (
        mentor is not None
        and Membership.objects.current()
        .members()
        .filter(child_id=child_id, sub_team__mentors=mentor)
        .exists()
    )


@rules.predicate
def guards_the_child(user, child):
    return guards_child(user, child.pk)


@rules.predicate
def mentors_the_child(user, child):
    return mentors_child(user, child.pk)


def _staff_organisation_id(user):
    staff = getattr(user, "staff", None) if user.is_authenticated else None
    return staff.organisation_id if staff else None


def _runs_or_oversees(organisation, organisation_id):
    """The organisation is the staff member's own, or a school of their community."""
    return organisation.pk == organisation_id or (
        organisation.kind == OrganisationKind.SCHOOL
        and organisation.community_id == organisation_id
    )


@rules.predicate
def works_for_group(user, group):
    """Staff of the organisation that runs the group (or the group fostering it), or of the
    community whose school runs it."""
    organisation_id = _staff_organisation_id(user)
    if organisation_id is None:
        return False
    runner = group.fostered_by.organisation if group.fostered_by_id else group.organisation
    return _runs_or_oversees(group.organisation, organisation_id) or _runs_or_oversees(
        runner, organisation_id
    )


@rules.predicate
def works_for_organisation(user, organisation):
    """Staff of the organisation itself, or of the community a school belongs to."""
    organisation_id = _staff_organisation_id(user)
    if organisation_id is None:
        return False
    return organisation.pk == organisation_id or (
        organisation.kind == OrganisationKind.SCHOOL
        and organisation.community_id == organisation_id
    )


# A sub-team's page: its members by pseudonym, its leader, its mentors.
rules.add_perm(
    "groups.see_sub_team",
    is_admin | mentors_sub_team | belongs_to_sub_team | guards_a_member_of_sub_team,
)
# Who leads now, who is next, who led before.
rules.add_perm("groups.see_rotation", is_admin | mentors_sub_team)
rules.add_perm(
    "groups.see_group",
    is_admin | mentors_in_group | belongs_to_group | guards_a_member_of_group | works_for_group,
)
rules.add_perm("groups.see_alliance", is_logged_in)
rules.add_perm("groups.see_organisation", is_admin | works_for_organisation)


@rules.predicate
def may_view_personal_data(user):
    return user.is_authenticated and user.has_perm("groups.view_childpersonaldata")


# Real names and contacts: only programme-office admins who were also given Django's model
# permission for them.
rules.add_perm("groups.see_child_personal_data", is_admin & may_view_personal_data)
