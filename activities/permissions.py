"""Who may log, change and look closely at activities. An activity itself (its title, place,
counts, partners and report) is public; named attendance and photos of children are not."""

import rules

from groups.models import Membership
from groups.permissions import is_admin, mentors_in_group, works_for_group

# The object is an ObservationGroup: admins, the mentors of the municipal group, and the staff
# of the school or community that runs (or fosters) the group log its activities.
may_log_for_group = is_admin | mentors_in_group | works_for_group
rules.add_perm("activities.log_activity", may_log_for_group)


@rules.predicate
def organises(user, activity):
    """Admins and the group's staff; of the municipal group's mentors, those of a sub-team
    taking part (any of them when the whole group took part)."""
    if (is_admin | works_for_group).test(user, activity.group):
        return True
    if not mentors_in_group.test(user, activity.group):
        return False
    teams = activity.sub_teams.all()
    return not teams or teams.filter(mentors__user=user).exists()


@rules.predicate
def may_see_its_group(user, activity):
    """The people of the sub-teams it was for; of the whole group, if it was for the group."""
    teams = list(activity.sub_teams.all())
    if teams:
        return any(user.has_perm("groups.see_sub_team", team) for team in teams)
    return user.has_perm("groups.see_group", activity.group)


rules.add_perm("activities.change_activity", organises)
# Who came (by pseudonym), and photos in which children can be seen.
rules.add_perm("activities.see_activity_people", organises | may_see_its_group)


@rules.predicate
def is_the_child(user, child):
    return user.is_authenticated and child.user_id == user.pk


@rules.predicate
def guards_the_child(user, child):
    guardian = getattr(user, "guardian", None) if user.is_authenticated else None
    return guardian is not None and child.guardians.filter(pk=guardian.pk).exists()


@rules.predicate
def mentors_the_child(user, child):
    mentor = getattr(user, "mentor", None) if user.is_authenticated else None
    return (
        mentor is not None
        and Membership.objects.current()
        .members()
        .filter(child=child, sub_team__mentors=mentor)
        .exists()
    )


# A child's participation history: the child, their guardians, their mentors, admins.
rules.add_perm(
    "activities.see_participation", is_admin | is_the_child | guards_the_child | mentors_the_child
)
