"""Who may log, change and look closely at activities; who may log and correct training
sessions and renew a sub-team's calendar feed; which linked suggestions are shown. An activity
itself (its title, place, counts, partners and report) is public; named attendance and photos
of children are not."""

import rules
from django.utils import timezone

from groups.models import SubTeam, User
from groups.permissions import (
    guards_the_child,
    is_admin,
    mentors_in_group,
    mentors_sub_team,
    mentors_the_child,
    works_for_group,
)
from suggestions.models import StateChoices, Suggestion
from suggestions.selectors import visible_to

# A mentor may correct a session this many days after it was held; after that, an admin.
CORRECTION_DAYS = 14

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


# A child's participation history: the child, their guardians, their mentors, admins.
rules.add_perm(
    "activities.see_participation", is_admin | is_the_child | guards_the_child | mentors_the_child
)


# --- Training sessions ----------------------------------------------------------------------


def within_correction_window(held_on) -> bool:
    return (timezone.localdate() - held_on).days <= CORRECTION_DAYS


def may_log(user: User, sub_teams: list[SubTeam]) -> bool:
    """Admins, and mentors of every one of these sub-teams, may log their sessions."""
    if is_admin(user):
        return True
    mentor = getattr(user, "mentor", None)
    ids = {team.pk for team in sub_teams}
    return mentor is not None and ids <= set(mentor.sub_teams.values_list("pk", flat=True))


@rules.predicate
def mentors_it_within_the_window(user, session):
    mentor = getattr(user, "mentor", None) if user.is_authenticated else None
    return (
        mentor is not None
        and session.sub_teams.filter(mentors=mentor).exists()
        and within_correction_window(session.held_on)
    )


# The object is a SubTeam.
rules.add_perm("activities.log_training", is_admin | mentors_sub_team)
# The object is a TrainingSession.
rules.add_perm("activities.correct_training", is_admin | mentors_it_within_the_window)


def correctable(user: User, sub_team: SubTeam, sessions) -> set[int]:
    """Which of a sub-team's sessions the user may correct (activities.correct_training for
    each, in one query at most)."""
    if is_admin(user):
        return {session.pk for session in sessions}
    if not mentors_sub_team(user, sub_team):
        return set()
    return {s.pk for s in sessions if within_correction_window(s.held_on)}


# --- Calendar feeds -------------------------------------------------------------------------

# The object is a SubTeam: admins and its mentors give its feed a new address.
rules.add_perm("activities.renew_feed", is_admin | mentors_sub_team)


# --- Suggestions linked to an activity or a topic -------------------------------------------


def openable_suggestions(user, suggestions: list[Suggestion]) -> set[int]:
    """The ids of these suggestions the user may open, in one query."""
    if not suggestions or not user.is_authenticated:
        return set()
    ids = [s.pk for s in suggestions]
    return set(visible_to(user, Suggestion.objects.filter(pk__in=ids)).values_list("pk", flat=True))


def may_read_about(suggestion: Suggestion, openable: set[int]) -> bool:
    """Whether a suggestion linked to an activity or topic is shown there: implemented ones are
    public, the others only to those who may open them (`openable`, from
    openable_suggestions)."""
    return suggestion.pk in openable or suggestion.state == StateChoices.IMPLEMENTED


def shown_suggestions(user, suggestions: list[Suggestion]) -> list[tuple[Suggestion, bool]]:
    """Those of these suggestions the user may read about, each with whether they may open
    it. One query at most."""
    openable = openable_suggestions(user, suggestions)
    return [(s, s.pk in openable) for s in suggestions if may_read_about(s, openable)]
