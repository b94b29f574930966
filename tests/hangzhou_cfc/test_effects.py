"""Tasks handed to the broker after the commit, the same way in every app (issue 17, item 3)."""

import logging

import pytest

from hangzhou_cfc import effects


class Task:
    name = "tests.a_task"

    def __init__(self, *, down_from=None):
        self.sent, self.down_from = [], down_from

    def apply_async(self, args, retry):
        assert retry is False, "a broker that is away must not hold up the request"
        if self.down_from is not None and len(self.sent) >= self.down_from:
            raise ConnectionRefusedError("the broker is away")
        self.sent.append(args)


@pytest.mark.django_db
def test_a_task_is_sent_only_once_the_transaction_commits(django_capture_on_commit_callbacks):
    task = Task()

    with django_capture_on_commit_callbacks() as hooks:
        effects.task_send_after_commit(task, 7)
    assert task.sent == []
    hooks[0]()

    assert task.sent == [(7,)]


def test_a_broker_that_is_away_is_logged_by_the_tasks_name_only(caplog):
    with caplog.at_level(logging.WARNING):
        sent = effects.task_send(Task(down_from=0), 4242)

    assert sent is False
    assert "tests.a_task not sent: the broker is unreachable" in caplog.text
    assert "4242" not in caplog.text


@pytest.mark.parametrize(("down_from", "sent"), [(None, [[1, 2], [3, 4], [5]]), (1, [[1, 2]])])
def test_a_long_list_goes_in_chunks_and_stops_at_the_first_one_not_taken(down_from, sent):
    task = Task(down_from=down_from)

    all_sent = effects.task_send_in_chunks(task, [1, 2, 3, 4, 5], "by", chunk=2)

    assert all_sent is (down_from is None)
    assert [args[0] for args in task.sent] == sent
    assert {args[1] for args in task.sent} == {"by"}


@pytest.mark.parametrize("base", ["https://portal.example.cn", "https://portal.example.cn/"])
def test_a_link_to_the_portal_has_one_slash_between_its_address_and_the_path(settings, base):
    settings.PORTAL_BASE_URL = base

    assert effects.portal_url("/suggestions/7/") == "https://portal.example.cn/suggestions/7/"
    assert effects.portal_url() == "https://portal.example.cn"


def test_the_portals_host_is_its_address_without_scheme_port_or_path(settings):
    settings.PORTAL_BASE_URL = "https://portal.example.cn:8443/cfc/"

    assert effects.portal_host() == "portal.example.cn"
