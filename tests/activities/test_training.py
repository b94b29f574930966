from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from activities import services
from activities.models import Attendance, TrainingSession
from groups.models import Role
from tests.groups.factories import (
    AdminFactory,
    ChildFactory,
    GuardianshipFactory,
    MembershipFactory,
    MentorFactory,
    UserFactory,
    sub_team_with_members,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    sub_team, children = sub_team_with_members(4)
    mentor = MentorFactory(sub_teams=[sub_team]).user
    return sub_team, children, mentor


def url(name, language="en", **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


def log(team, **overrides):
    sub_team, children, mentor = team
    data = {
        "user": mentor,
        "held_on": timezone.localdate(),
        "topic": "观察技能",
        "hours": Decimal("2"),
        "sub_teams": [sub_team],
        "attendees": children[:3],
        **overrides,
    }
    return services.training_session_log(**data)


def test_a_mentor_logs_a_session_with_attendance_and_the_list_shows_the_rate(client, team):
    sub_team, children, mentor = team
    client.force_login(mentor)

    response = client.post(
        url("training_new", pk=sub_team.pk),
        {
            "held_on": str(timezone.localdate()),
            "topic": "建言技能",
            "hours": "2",
            "attendees": [c.pk for c in children[:3]],
        },
    )

    assert response.status_code == 302
    listing = client.get(url("sub_team_training", pk=sub_team.pk)).text
    assert "建言技能" in listing
    assert "3/4" in listing
    assert "attendance 75%" in listing


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"held_on": timezone.localdate() + timedelta(days=1)}, "held_on"),
        ({"hours": Decimal("0")}, "hours"),
        ({"hours": Decimal("-1")}, "hours"),
    ],
)
def test_bad_sessions_are_refused_and_nothing_is_written(team, overrides, field):
    with pytest.raises(ValidationError) as refused:
        log(team, **overrides)

    assert field in refused.value.message_dict
    assert not TrainingSession.objects.exists()


def test_attendance_of_a_child_outside_the_sub_team_is_refused_by_name(client, team):
    sub_team, children, mentor = team
    outsider = MembershipFactory().child
    client.force_login(mentor)

    response = client.post(
        url("training_new", "zh-hans", pk=sub_team.pk),
        {
            "held_on": str(timezone.localdate()),
            "topic": "建言技能",
            "hours": "2",
            "attendees": [children[0].pk, outsider.pk],
        },
    )

    assert response.status_code == 200
    assert outsider.pseudonym in response.text
    assert "建言技能" in response.text, "what was typed is kept"
    assert not TrainingSession.objects.exists()


def test_a_mentor_of_another_sub_team_gets_403(client, team):
    sub_team, _children, _mentor = team
    other_mentor = MentorFactory(sub_teams=[sub_team_with_members(1)[0]]).user
    client.force_login(other_mentor)

    assert client.get(url("training_new", pk=sub_team.pk)).status_code == 403
    session = log(team)
    assert client.get(url("training_edit", pk=session.pk)).status_code == 403


def test_a_mentor_corrects_within_14_days_then_only_an_admin(client, team):
    _sub_team, children, mentor = team
    session = log(team, held_on=timezone.localdate() - timedelta(days=10))
    services.training_session_correct(
        session=session,
        user=mentor,
        held_on=session.held_on,
        topic="观察技能（更正）",
        hours=Decimal("3"),
        attendees=children,
    )
    assert Attendance.objects.filter(session=session).count() == 4

    old = log(team, held_on=timezone.localdate() - timedelta(days=20))
    with pytest.raises(services.NotAllowed):
        services.training_session_correct(
            session=old, user=mentor, held_on=old.held_on, topic="x", hours=Decimal(1),
            attendees=[],
        )  # fmt: skip
    services.training_session_correct(
        session=old, user=AdminFactory(), held_on=old.held_on, topic="x", hours=Decimal(1),
        attendees=[],
    )  # fmt: skip
    assert Attendance.objects.filter(session=old).count() == 0


def test_the_child_and_the_guardian_see_the_childs_participation(client, team):
    _sub_team, children, _mentor = team
    log(team, topic="公众表达")
    child = children[0]
    child.user = UserFactory(role=Role.CHILD)
    child.save()
    guardian = GuardianshipFactory(child=child).guardian.user

    client.force_login(child.user)
    assert "公众表达" in client.get(url("home")).text
    client.force_login(guardian)
    assert "1 training session attended" in client.get(url("home")).text


def test_children_outside_the_sub_team_cannot_see_its_training(client, team):
    sub_team, _children, _mentor = team
    stranger = ChildFactory(user=UserFactory(role=Role.CHILD))
    client.force_login(stranger.user)

    assert client.get(url("sub_team_training", pk=sub_team.pk)).status_code == 403
