"""Children's rosters from a spreadsheet, matched by roster number: no real names, a closed login
for each new child, and a consent request to each new guardian once the import is written."""

from datetime import date, timedelta
from functools import partial

import pytest
from django.core import mail
from django.utils import timezone

from groups.models import AgeBand, Child, Guardian, Guardianship, Role, User
from imports import children
from imports.base import ImportRefused
from privacy.models import ConsentRequest
from tests.groups.factories import (
    AdminFactory,
    ChildFactory,
    CommunityFactory,
    GuardianshipFactory,
    SchoolFactory,
    StaffFactory,
    UserFactory,
)
from tests.imports import helpers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


@pytest.fixture(autouse=True)
def schools(in_english):
    wensan = CommunityFactory(code="wensan", name="文三社区")
    SchoolFactory(code="wensan-school", name="文三街小学", community=wensan)
    CommunityFactory(code="daguan", name="大关社区")


HEADER = (
    "花名册编号 / roster number,化名 / pseudonym,年龄段 / age band,学校 / school,"
    "社区 / community,加入日期 / joined on,监护人邮箱 / guardian e-mail,"
    "监护人称呼 / guardian name,与儿童关系 / relationship\n"
)
GOOD = (
    HEADER
    + "R001,小蓝鲸,9-11,wensan-school,,2025-09-01,mother@example.org,王女士,母亲\n"
    + "R002,,6～8岁,文三街小学,daguan,2025/9/2,Mother@Example.org,,\n"
    + "R003,小海豚,12–14 years,wensan-school,,,ｆａｔｈｅｒ＠ｅｘａｍｐｌｅ．ｏｒｇ,,father\n"
)


table = partial(helpers.table, children.COLUMNS)
as_csv = partial(helpers.as_csv, children.COLUMNS)


def snapshot():
    return {
        "children": sorted(
            Child.objects.values_list(
                "roster_number",
                "pseudonym",
                "age_band",
                "school__code",
                "community__code",
                "joined_on",
                "user_id",
            ),
            key=str,
        ),
        "users": User.objects.count(),
        "guardianships": sorted(
            Guardianship.objects.values_list("guardian__user__email", "child__roster_number")
        ),
    }


def test_the_preview_lists_the_children_to_create_and_writes_nothing():
    users = User.objects.count()

    plan = children.IMPORTER.plan(table(GOOD))

    assert plan.ok
    assert [(row.number, row.action, row.key) for row in plan.rows] == [
        (2, "create", "R001"),
        (3, "create", "R002"),
        (4, "create", "R003"),
    ]
    assert not Child.objects.exists()
    assert not Guardian.objects.exists()
    assert User.objects.count() == users


def test_a_new_child_gets_a_closed_login_under_their_pseudonym():
    children.IMPORTER.apply(table(GOOD))

    child = Child.objects.get(roster_number="R001")
    assert (child.pseudonym, child.age_band, child.joined_on) == (
        "小蓝鲸",
        AgeBand.AGE_9_11,
        date(2025, 9, 1),
    )
    assert (child.school.code, child.community.code) == ("wensan-school", "wensan")
    login = child.user
    assert (login.role, login.display_name, login.is_active) == (Role.CHILD, "小蓝鲸", False)
    assert not login.has_usable_password()
    assert not login.email


def test_an_empty_pseudonym_is_made_up_and_an_empty_community_is_the_schools():
    children.IMPORTER.apply(table(GOOD))

    made_up = Child.objects.get(roster_number="R002")
    assert made_up.pseudonym
    assert made_up.pseudonym not in {"小蓝鲸", "小海豚"}
    assert Child.objects.filter(pseudonym=made_up.pseudonym).count() == 1
    assert made_up.user.display_name == made_up.pseudonym
    assert made_up.community.code == "daguan"  # as the file says
    assert Child.objects.get(roster_number="R003").community.code == "wensan"  # the school's
    assert Child.objects.get(roster_number="R003").joined_on == timezone.localdate()


def test_age_bands_are_read_as_people_write_them():
    children.IMPORTER.apply(table(GOOD))

    assert dict(Child.objects.values_list("roster_number", "age_band")) == {
        "R001": "9-11",
        "R002": "6-8",
        "R003": "12-14",
    }


def test_guardians_get_a_login_and_siblings_share_one_guardian():
    children.IMPORTER.apply(table(GOOD))

    mother = Guardian.objects.get(user__email="mother@example.org")
    assert (mother.user.role, mother.user.display_name) == (Role.GUARDIAN, "王女士")
    assert not mother.user.has_usable_password()
    assert sorted(mother.children.values_list("roster_number", flat=True)) == ["R001", "R002"]
    assert Guardianship.objects.get(guardian=mother, child__roster_number="R001").relationship == (
        Guardianship.Relationship.MOTHER
    )
    assert Guardianship.objects.get(guardian=mother, child__roster_number="R002").relationship == (
        Guardianship.Relationship.OTHER
    )
    father = Guardian.objects.get(user__email="father@example.org")
    assert father.user.role == Role.GUARDIAN
    assert Guardianship.objects.get(guardian=father).relationship == "father"
    assert Guardian.objects.count() == 2
    assert User.objects.filter(role=Role.GUARDIAN).count() == 2


def test_the_consent_requests_are_sent_after_the_commit(django_capture_on_commit_callbacks):
    admin = AdminFactory()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        children.IMPORTER.apply(table(GOOD), user=admin)
    assert len(callbacks) == 1
    assert mail.outbox == []
    assert not ConsentRequest.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):  # the outbox's, in turn
        for callback in callbacks:
            callback()

    requests = ConsentRequest.objects.select_related("guardianship__child")
    assert sorted((r.sent_to, r.guardianship.child.roster_number) for r in requests) == [
        ("father@example.org", "R003"),
        ("mother@example.org", "R001"),
        ("mother@example.org", "R002"),
    ]
    assert {r.sent_by for r in requests} == {admin}
    assert sorted(message.to[0] for message in mail.outbox) == [
        "father@example.org",
        "mother@example.org",
        "mother@example.org",
    ]
    assert any("小蓝鲸" in message.body for message in mail.outbox)


def test_the_consent_request_reaches_the_guardian_with_capture_on_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        children.IMPORTER.apply(table(GOOD))

    (message,) = [m for m in mail.outbox if m.to == ["father@example.org"]]
    assert "小海豚" in message.body
    assert ConsentRequest.objects.filter(sent_to="father@example.org").count() == 1


def test_a_long_roster_is_mailed_by_many_short_tasks(
    monkeypatch, django_capture_on_commit_callbacks
):
    from imports import base, tasks

    monkeypatch.setattr(base, "MAIL_CHUNK", 2)
    queued = []
    monkeypatch.setattr(
        tasks.consent_requests_send, "apply_async", lambda args, **kw: queued.append(args)
    )
    admin = AdminFactory()

    with django_capture_on_commit_callbacks(execute=True):
        children.IMPORTER.apply(table(GOOD), user=admin)

    assert [len(ids) for ids, _sent_by in queued] == [2, 1]
    assert {sent_by for _ids, sent_by in queued} == {admin.pk}
    assert sorted(i for ids, _ in queued for i in ids) == sorted(
        Guardianship.objects.values_list("pk", flat=True)
    )


def test_the_same_file_again_changes_nothing():
    children.IMPORTER.apply(table(GOOD))
    before = snapshot()

    plan = children.IMPORTER.plan(table(GOOD))

    assert plan.nothing_to_change
    assert plan.counts() == {"create": 0, "update": 0, "unchanged": 3, "refused": 0}
    children.IMPORTER.apply(table(GOOD))
    assert snapshot() == before


def test_a_later_file_changing_an_age_band_updates_the_child():
    children.IMPORTER.apply(table(GOOD))
    child = Child.objects.get(roster_number="R001")
    later = GOOD.replace("R001,小蓝鲸,9-11,", "R001,小蓝鲸,12-14,")

    plan = children.IMPORTER.plan(table(later))

    (row,) = [row for row in plan.rows if row.action != "unchanged"]
    assert (row.number, row.action, row.key) == (2, "update", "R001")
    assert row.changes == [("age_band", "9-11", "12-14")]
    children.IMPORTER.apply(table(later))
    child.refresh_from_db()
    assert child.age_band == "12-14"
    assert Child.objects.count() == 3
    assert Guardianship.objects.count() == 3


def test_a_later_file_renaming_a_child_renames_their_login():
    children.IMPORTER.apply(table(GOOD))
    later = GOOD.replace("R001,小蓝鲸,", "R001,小蓝海,")

    plan = children.IMPORTER.plan(table(later))

    (row,) = [row for row in plan.rows if row.action != "unchanged"]
    assert row.changes == [("pseudonym", "小蓝鲸", "小蓝海")]
    children.IMPORTER.apply(table(later))
    child = Child.objects.get(roster_number="R001")
    assert (child.pseudonym, child.user.display_name) == ("小蓝海", "小蓝海")


def test_an_empty_guardian_cell_leaves_an_existing_childs_guardians_alone():
    children.IMPORTER.apply(table(GOOD))
    before = snapshot()
    later = HEADER + "R001,小蓝鲸,9-11,wensan-school,,2025-09-01,,,\n"

    plan = children.IMPORTER.plan(table(later))

    assert plan.nothing_to_change
    children.IMPORTER.apply(table(later))
    assert snapshot() == before


def test_a_new_guardian_of_an_existing_child_is_added_beside_the_others():
    children.IMPORTER.apply(table(GOOD))
    later = HEADER + "R001,,9-11,wensan-school,,,granny@example.org,,祖父母/外祖父母\n"

    plan = children.IMPORTER.plan(table(later))

    (row,) = plan.rows
    assert (row.action, row.changes) == ("update", [("guardian_email", "", "granny@example.org")])
    children.IMPORTER.apply(table(later))
    child = Child.objects.get(roster_number="R001")
    assert sorted(child.guardians.values_list("user__email", flat=True)) == [
        "granny@example.org",
        "mother@example.org",
    ]
    assert Guardianship.objects.get(guardian__user__email="granny@example.org").relationship == (
        Guardianship.Relationship.GRANDPARENT
    )


def test_an_existing_guardian_login_is_linked_not_doubled():
    existing = GuardianshipFactory(
        guardian__user__email="Mother@Example.org", guardian__user__username="mother"
    ).guardian
    users = User.objects.count()

    children.IMPORTER.apply(table(GOOD))

    assert Guardian.objects.filter(user__email__iexact="mother@example.org").get() == existing
    assert sorted(
        existing.children.exclude(roster_number=None).values_list("roster_number", flat=True)
    ) == ["R001", "R002"]
    # Three children's logins and the father's: none for the mother.
    assert User.objects.count() == users + 4


def test_a_guardian_login_made_without_its_guardian_record_gets_one_and_is_linked():
    login = UserFactory(role=Role.GUARDIAN, email="mother@example.org", username="mum")

    children.IMPORTER.apply(table(GOOD))

    mother = Guardian.objects.get(user=login)
    assert sorted(mother.children.values_list("roster_number", flat=True)) == ["R001", "R002"]
    assert User.objects.filter(email__iexact="mother@example.org").count() == 1


def test_a_childs_login_name_already_taken_gets_a_suffix():
    UserFactory(username="child-r001")

    children.IMPORTER.apply(table(GOOD))

    username = Child.objects.get(roster_number="R001").user.username
    assert username.startswith("child-r001-")
    assert len(username) == len("child-r001-") + 4
    assert Child.objects.get(roster_number="R002").user.username == "child-r002"


def test_the_export_leaves_guardians_out_and_imported_again_changes_nothing():
    children.IMPORTER.apply(table(GOOD))
    made_up = Child.objects.get(roster_number="R002").pseudonym

    exported = children.IMPORTER.export()

    assert [row["roster_number"] for row in exported] == ["R001", "R002", "R003"]
    assert exported[1] == {
        "roster_number": "R002",
        "pseudonym": made_up,
        "age_band": "6-8",
        "school": "wensan-school",
        "community": "daguan",
        "joined_on": "2025-09-02",
        "guardian_email": "",
        "guardian_name": "",
        "relationship": "",
    }
    assert all(not row[key] for row in exported for key in children.GUARDIAN_COLUMNS)
    plan = children.IMPORTER.plan(table(as_csv(exported)))
    assert [row.action for row in plan.rows] == ["unchanged"] * 3
    assert plan.nothing_to_change


def test_the_export_omits_anonymised_children():
    children.IMPORTER.apply(table(GOOD))
    Child.objects.filter(roster_number="R002").update(anonymised_at=timezone.now())
    ChildFactory()  # entered by hand: no roster number

    exported = children.IMPORTER.export()

    assert [row["roster_number"] for row in exported] == ["R001", "R003"]


def test_bad_rows_are_refused_with_their_row_number_and_nothing_is_written():
    StaffFactory(user__email="teacher@example.org", user__username="teacher")
    ChildFactory(pseudonym="小星星")
    ChildFactory(roster_number="R009", pseudonym="已删除", anonymised_at=timezone.now())
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    text = (
        HEADER
        + "R001,小蓝鲸,9-11,wensan-school,,2025-09-01,mother@example.org,,\n"
        + "R002,小海豚,9-11,wensan-school,,,,,\n"
        + "R003,小白鹭,9-11,wensan-school,,,teacher@example.org,,\n"
        + "R004,小星星,9-11,wensan-school,,,mother@example.org,,\n"
        + "R009,小喜鹊,9-11,wensan-school,,,mother@example.org,,\n"
        + f"R005,小松鼠,9-11,wensan-school,,{tomorrow},mother@example.org,,\n"
        + "R006,小蓝鲸,18-20,nowhere,,2025-02-30,not-an-address,,aunt\n"
        + "R 7,小狐狸,9-11,wensan-school,,,mother@example.org,,\n"
    )
    before = snapshot()

    plan = children.IMPORTER.plan(table(text))

    assert not plan.ok
    refused = {row.number: " ".join(row.problems) for row in plan.refused}
    assert set(refused) == {3, 4, 5, 6, 7, 8, 9}
    assert "The guardian's e-mail is empty: a new child needs a guardian" in refused[3]
    assert "teacher@example.org is already used by a login that is not a guardian" in refused[4]
    assert "The pseudonym 小星星 is taken by another child" in refused[5]
    assert "R009 was removed from the portal" in refused[6]
    assert "The date of joining is in the future" in refused[7]
    assert "The pseudonym 小蓝鲸 is also on row 2" in refused[8]
    assert "Unknown age band “18-20”" in refused[8]
    assert "There is no school “nowhere”" in refused[8]
    assert "“2025-02-30” is not a date" in refused[8]
    assert "“not-an-address” is not an e-mail address" in refused[8]
    assert "Unknown relationship “aunt”" in refused[8]
    assert "The roster number “R 7” may hold only letters" in refused[9]
    assert plan.rows[0].action == "create"
    with pytest.raises(ImportRefused):
        children.IMPORTER.apply(table(text))
    assert snapshot() == before
    assert not Guardian.objects.exists()


def test_a_made_up_pseudonym_is_not_one_the_file_gives_another_child(monkeypatch):
    numbers = iter(range(9000))
    monkeypatch.setattr(children.secrets, "choice", lambda sequence: sequence[0])
    monkeypatch.setattr(children.secrets, "randbelow", lambda _limit: next(numbers))
    text = (
        HEADER
        + "R001,,9-11,wensan-school,,,mother@example.org,,\n"
        + "R002,小红熊猫1000,9-11,wensan-school,,,mother@example.org,,\n"
    )

    children.IMPORTER.apply(table(text))

    assert dict(Child.objects.values_list("roster_number", "pseudonym")) == {
        "R001": "小红熊猫1001",
        "R002": "小红熊猫1000",
    }
