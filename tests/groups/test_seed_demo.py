"""seed_demo loads the Hangzhou programme of DESIGN.md section 4, once."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.test import RequestFactory

from groups.demo import DEMO_LOGINS, DEMO_PASSWORD, staff_logins
from groups.models import (
    Child,
    ChildPersonalData,
    GroupLevel,
    Guardian,
    Membership,
    Mentor,
    MentorKind,
    ObservationGroup,
    Role,
    StaffMember,
    SubTeam,
    User,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_demo")]


def every_row():
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in [User, ObservationGroup, SubTeam, Child, Membership, Mentor, Guardian]
    }


def test_one_municipal_group_26_alliance_groups_and_212_participation_organisations():
    levels = dict(ObservationGroup.objects.values_list("level").annotate(n=Count("pk")).order_by())

    assert levels == {
        GroupLevel.MUNICIPAL: 1,
        GroupLevel.ALLIANCE_MEMBER: 26,
        GroupLevel.PARTICIPATION_ORG: 212,
    }


def test_the_alliance_groups_come_from_schools_and_communities():
    kinds = set(
        ObservationGroup.objects.filter(level=GroupLevel.ALLIANCE_MEMBER).values_list(
            "organisation__kind", flat=True
        )
    )

    assert kinds == {"school", "community"}


def test_70_children_in_7_sub_teams_of_10():
    sizes = (
        Membership.objects.current()
        .members()
        .filter(sub_team__isnull=False)
        .values("sub_team")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )

    assert Child.objects.count() == 70
    assert SubTeam.objects.count() == 7
    assert sorted(sizes) == [10] * 7


def test_every_sub_team_has_one_current_leader_and_a_history_of_leaders():
    for sub_team in SubTeam.objects.all():
        terms = sub_team.memberships.leaders()
        assert terms.current().count() == 1
        assert terms.filter(ends_on__isnull=False).exists()


def test_every_child_has_a_guardian_and_personal_data_kept_apart():
    assert not Child.objects.filter(guardians__isnull=True).exists()
    assert ChildPersonalData.objects.count() == 70
    assert Guardian.objects.count() == 70


def test_the_mentor_team_has_deputies_experts_and_teachers_covering_every_sub_team():
    assert set(Mentor.objects.values_list("kind", flat=True)) == set(MentorKind.values)
    assert not SubTeam.objects.filter(mentors__isnull=True).exists()


def test_one_demo_login_per_role_each_linked_to_its_place(client):
    assert set(
        User.objects.filter(username__in=[u for u, *_ in DEMO_LOGINS]).values_list(
            "role", flat=True
        )
    ) == set(Role.values)
    child = User.objects.get(username="child")
    assert child.child.memberships.current().members().exists()
    assert child.child.guardians.get().user.username == "guardian"
    mentor = User.objects.get(username="mentor").mentor
    assert mentor.sub_teams.filter(memberships__child=child.child).exists()
    assert StaffMember.objects.get(user__username="school").organisation == child.child.school
    assert (
        StaffMember.objects.get(user__username="community").organisation
        == child.child.school.community
    )
    for username, _role, _name in DEMO_LOGINS:
        # Through a request, as the login form does (the lockout needs one).
        request = RequestFactory().post("/accounts/login/")
        assert authenticate(request, username=username, password=DEMO_PASSWORD), username


def test_only_the_demo_logins_and_the_staff_of_the_demos_organisations_can_log_in():
    staff = [username for username, _organisation in staff_logins()]
    others = User.objects.exclude(username__in=[u for u, *_ in DEMO_LOGINS] + staff)

    assert others.count() > 70
    assert not any(user.has_usable_password() for user in others)


def test_every_organisation_a_demo_suggestion_reaches_has_a_login_that_can_log_in():
    """So that every demo suggestion can be carried to its end (issue 15, item 5)."""
    from suggestions.models import RoutingRule, StageChange

    reached = (
        set(StageChange.objects.exclude(owner=None).values_list("owner_id", flat=True))
        | set(Child.objects.values_list("school_id", flat=True))
        | set(Child.objects.values_list("school__community_id", flat=True))
        | set(RoutingRule.objects.values_list("department_id", flat=True))
    )
    request = RequestFactory().post("/accounts/login/")
    for organisation_id in reached:
        logins = [s.user for s in StaffMember.objects.filter(organisation_id=organisation_id)]
        assert any(
            authenticate(request, username=user.username, password=DEMO_PASSWORD) for user in logins
        ), organisation_id


def test_demo_staff_are_named_as_people_not_as_their_office():
    """The header greets a person; the office's name is shown apart, in the reader's language
    (issue 15, item 7)."""
    names = set(StaffMember.objects.values_list("user__display_name", flat=True)) | {
        User.objects.get(username="admin").display_name
    }
    organisation_names = set(StaffMember.objects.values_list("organisation__name", flat=True))

    assert not any(org in name for name in names for org in organisation_names)
    assert "项目办公室" not in names


def test_only_the_demo_admin_reaches_the_administration_pages():
    assert list(User.objects.filter(is_staff=True).values_list("username", flat=True)) == ["admin"]


def test_seed_demo_twice_changes_nothing():
    before = every_row()

    call_command("seed_demo")

    assert every_row() == before


def test_seed_demo_prints_the_logins(capsys):
    call_command("seed_demo")

    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out
    for username, _role, _name in DEMO_LOGINS:
        assert username in out
    for username, _organisation in staff_logins():
        assert username in out
    assert "staff-metro" in out


def test_seed_demo_stores_pseudonyms_in_the_default_language():
    assert User.objects.get(username="child").display_name == "小白鹭"
    assert User.objects.get(username="child").child.pseudonym == "小白鹭"


def test_every_current_leaders_term_includes_today():
    from django.utils import timezone

    today = timezone.localdate()
    for leader in Membership.objects.current().leaders().select_related("sub_team"):
        assert leader.starts_on <= today < leader.term_ends_on


def test_seed_demo_refuses_where_demo_data_is_not_allowed(settings):
    settings.DEMO_DATA_ALLOWED = False
    before = User.objects.count()

    with pytest.raises(CommandError, match="DEMO_DATA_ALLOWED"):
        call_command("seed_demo")
    assert User.objects.count() == before


def test_every_answer_of_the_demo_belongs_to_the_suggestion_it_answers():
    """ "You said, we did" pairs each idea with what was done about it (issue 15, item 6)."""
    from suggestions.demo import LOCAL_ANSWERS, OUTCOMES
    from suggestions.models import Suggestion
    from suggestions.workflow import State

    answers_of = {description: idea for _area, idea, description, *_rest in OUTCOMES}
    answers_of["杨柳郡未来社区建成儿童健身站。"] = "公园缺少儿童健身站"
    answers_of.update({answer: idea for idea, answer in LOCAL_ANSWERS.items()})
    implemented = Suggestion.objects.filter(state=State.IMPLEMENTED).select_related("outcome")

    assert implemented.count() > 100
    for suggestion in implemented:
        assert answers_of[suggestion.outcome.description] == suggestion.title, suggestion.pk
        assert suggestion.answer == suggestion.outcome.description


def test_demo_suggestions_name_their_place_and_the_department_routing_says_why():
    """Issue 19, item 4: routed by the place, some of them in another district than the
    child's school; each move to a department records the rule that matched."""
    from places.models import Place
    from suggestions.models import RoutedBy, StageChange, Suggestion

    suggestions = Suggestion.objects.select_related("division__parent__parent")
    school_district = {
        place.organisation_id: place.division.district
        for place in Place.objects.filter(organisation__isnull=False).select_related(
            "division__parent__parent"
        )
    }

    assert not suggestions.filter(division__isnull=True).exists()
    elsewhere = [
        s
        for s in suggestions.select_related("child")
        if s.division.district != school_district[s.child.school_id]
    ]
    assert len(elsewhere) > 20
    routed = StageChange.objects.filter(action="route_to_department")
    assert set(routed.values_list("routed_by", flat=True)) == {RoutedBy.PLACE, RoutedBy.CITYWIDE}
    assert not routed.filter(routed_by=RoutedBy.PLACE, routed_division__isnull=True).exists()
    assert routed.filter(routed_division__level="street").exists(), "the West Lake street rule"
