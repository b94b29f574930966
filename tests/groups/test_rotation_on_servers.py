"""The leadership rotation against real PostgreSQL: concurrent runs and a real worker."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from groups.models import Membership, MembershipRole
from groups.services import sub_team_leadership_hand_over, sub_teams_rotate_due
from groups.tasks import rotate_sub_team_leaders
from tests.groups.factories import START, sub_team_with_members
from tests.helpers import wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def leader_rows(sub_team):
    return Membership.objects.filter(sub_team=sub_team, role=MembershipRole.LEADER).count()


def test_two_rotations_at_the_same_moment_hand_over_once():
    sub_team, _members = sub_team_with_members(3)
    sub_team_leadership_hand_over(sub_team=sub_team, on=START)
    due = START + timedelta(days=sub_team.term_days)
    barrier = threading.Barrier(4)
    errors = []

    def rotate():
        try:
            barrier.wait()
            sub_teams_rotate_due(today=due)
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=rotate) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert leader_rows(sub_team) == 2
    assert Membership.objects.filter(sub_team=sub_team, role="leader", ends_on=None).count() == 1


@pytest.mark.redis
@pytest.mark.worker
def test_the_rotation_task_runs_in_a_real_worker(celery_worker_process):
    sub_team, (first, _second) = sub_team_with_members(2)

    rotate_sub_team_leaders.apply_async(queue=celery_worker_process.queue)

    leader = wait_for(
        lambda: Membership.objects.filter(sub_team=sub_team, role="leader", ends_on=None).first()
    )
    assert leader.child == first
