import zipfile
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from activities import services
from activities.models import Attendance, TrainingMaterial, TrainingSession
from groups.models import Membership, Role
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
            "sub_teams": [sub_team.pk],
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


def test_attendance_of_a_child_outside_the_sub_team_is_refused_without_naming_them(client, team):
    sub_team, children, mentor = team
    outsider = MembershipFactory().child
    client.force_login(mentor)

    response = client.post(
        url("training_new", "zh-hans", pk=sub_team.pk),
        {
            "held_on": str(timezone.localdate()),
            "topic": "建言技能",
            "hours": "2",
            "sub_teams": [sub_team.pk],
            "attendees": [children[0].pk, outsider.pk],
        },
    )

    assert response.status_code == 200
    assert "有效的选项" in response.text
    assert outsider.pseudonym not in response.text, "an id posted reveals no pseudonym"
    assert "建言技能" in response.text, "what was typed is kept"
    assert not TrainingSession.objects.exists()


def test_a_child_of_the_mentors_other_sub_team_is_refused_by_name_for_this_one(team):
    sub_team, _children, mentor = team
    second, second_children = sub_team_with_members(1)
    mentor.mentor.sub_teams.add(second)

    with pytest.raises(ValidationError) as refused:
        log(team, sub_teams=[sub_team], attendees=second_children)

    assert second_children[0].pseudonym in refused.value.message_dict["attendees"][0]


def correct(session, user, **overrides):
    data = {
        "session": session,
        "user": user,
        "held_on": session.held_on,
        "topic": session.topic,
        "hours": session.hours,
        "attendees": [a.child for a in session.attendances.all()],
        "sub_teams": list(session.sub_teams.all()),
        **overrides,
    }
    return services.training_session_correct(**data)


def test_a_correction_keeps_the_attendance_of_a_child_who_has_left_since(team):
    _sub_team, children, mentor = team
    session = log(team, held_on=timezone.localdate() - timedelta(days=3))
    Membership.objects.filter(child=children[0]).update(ends_on=timezone.localdate())

    correct(session, mentor, topic="观察技能（更正）")

    assert session.attendances.filter(child=children[0]).exists()


def test_a_mentor_cannot_take_another_mentors_sub_team_or_its_children_off_a_session(team):
    sub_team, children, mentor = team
    second, second_children = sub_team_with_members(2)
    session = log(
        team,
        user=AdminFactory(),
        sub_teams=[sub_team, second],
        attendees=children[:1] + second_children,
    )

    with pytest.raises(services.NotAllowed):
        correct(session, mentor, sub_teams=[sub_team], attendees=children[:1])
    with pytest.raises(ValidationError) as refused:
        correct(session, mentor, attendees=children[:1])
    assert "attendees" in refused.value.message_dict
    assert session.attendances.count() == 3


def test_a_mentor_cannot_move_a_session_out_of_the_correction_window(team):
    _sub_team, _children, mentor = team
    session = log(team, held_on=timezone.localdate() - timedelta(days=13))

    with pytest.raises(ValidationError) as refused:
        correct(session, mentor, held_on=timezone.localdate() - timedelta(days=40))

    assert "held_on" in refused.value.message_dict
    correct(session, AdminFactory(), held_on=timezone.localdate() - timedelta(days=40))


def test_a_joint_sessions_attendance_rate_counts_each_sub_teams_own_children(client, team):
    sub_team, children, mentor = team
    second, second_children = sub_team_with_members(2)
    log(
        team,
        user=AdminFactory(),
        sub_teams=[sub_team, second],
        attendees=children[:2] + second_children,
    )
    client.force_login(mentor)

    listing = client.get(url("sub_team_training", pk=sub_team.pk)).text

    assert "2/4" in listing
    assert "attendance 50%" in listing


def test_a_mentor_of_another_sub_team_gets_403(client, team):
    sub_team, _children, _mentor = team
    other_mentor = MentorFactory(sub_teams=[sub_team_with_members(1)[0]]).user
    client.force_login(other_mentor)

    assert client.get(url("training_new", pk=sub_team.pk)).status_code == 403
    session = log(team)
    assert client.get(url("training_edit", pk=session.pk)).status_code == 403


def test_a_mentor_corrects_within_14_days_then_only_an_admin(client, team):
    sub_team, children, mentor = team
    session = log(team, held_on=timezone.localdate() - timedelta(days=10))
    services.training_session_correct(
        session=session,
        user=mentor,
        held_on=session.held_on,
        topic="观察技能（更正）",
        hours=Decimal("3"),
        attendees=children,
        sub_teams=[sub_team],
    )
    assert Attendance.objects.filter(session=session).count() == 4

    old = log(team, held_on=timezone.localdate() - timedelta(days=20))
    with pytest.raises(services.NotAllowed):
        services.training_session_correct(
            session=old, user=mentor, held_on=old.held_on, topic="x", hours=Decimal(1),
            attendees=[], sub_teams=[sub_team],
        )  # fmt: skip
    services.training_session_correct(
        session=old, user=AdminFactory(), held_on=old.held_on, topic="x", hours=Decimal(1),
        attendees=[], sub_teams=[sub_team],
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


def docx_bytes(extra_member=None):
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        if extra_member:
            archive.writestr(extra_member, b"macro")
    return buffer.getvalue()


def test_a_mentor_logs_one_session_for_two_of_their_sub_teams_with_both_teams_children(
    client, team
):
    sub_team, children, mentor = team
    second, second_children = sub_team_with_members(2)
    mentor.mentor.sub_teams.add(second)
    client.force_login(mentor)

    form = client.get(url("training_new", pk=sub_team.pk)).text
    assert second_children[0].pseudonym in form
    response = client.post(
        url("training_new", pk=sub_team.pk),
        {
            "held_on": str(timezone.localdate()),
            "topic": "联合培训",
            "hours": "2",
            "sub_teams": [sub_team.pk, second.pk],
            "attendees": [children[0].pk, second_children[0].pk],
        },
    )

    assert response.status_code == 302
    session = TrainingSession.objects.get()
    assert set(session.sub_teams.all()) == {sub_team, second}
    assert session.attendances.count() == 2
    assert "联合培训" in client.get(url("sub_team_training", pk=second.pk)).text


def test_everyone_was_there_ticks_every_child_of_the_chosen_sub_team_only(client, team):
    """One tick instead of one per name (issue 18); the other sub-team's children are not
    added."""
    sub_team, children, mentor = team
    second, _second_children = sub_team_with_members(2)
    mentor.mentor.sub_teams.add(second)
    client.force_login(mentor)

    assert 'name="all_present"' in client.get(url("training_new", pk=sub_team.pk)).text
    response = client.post(
        url("training_new", pk=sub_team.pk),
        {
            "held_on": str(timezone.localdate()),
            "topic": "全员到齐",
            "hours": "1",
            "sub_teams": [sub_team.pk],
            "all_present": "on",
        },
    )

    assert response.status_code == 302
    session = TrainingSession.objects.get()
    assert {a.child for a in session.attendances.all()} == set(children)
    assert "4/4" in client.get(url("sub_team_training", pk=sub_team.pk)).text


def test_a_mentor_cannot_log_a_session_for_a_sub_team_they_do_not_mentor(team):
    other = sub_team_with_members(1)[0]
    with pytest.raises(services.NotAllowed):
        log(team, sub_teams=[team[0], other])
    assert not TrainingSession.objects.exists()


def test_materials_are_attached_and_downloaded_by_the_sub_teams_people_only(
    client, team, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    sub_team, _children, mentor = team
    client.force_login(mentor)
    pdf = SimpleUploadedFile("讲义 1.pdf", b"%PDF-1.7\n...", content_type="application/pdf")
    docx = SimpleUploadedFile("worksheet.docx", docx_bytes())

    response = client.post(
        url("training_new", pk=sub_team.pk),
        {
            "held_on": str(timezone.localdate()),
            "topic": "观察技能",
            "hours": "2",
            "sub_teams": [sub_team.pk],
            "materials": [pdf, docx],
        },
    )

    assert response.status_code == 302
    material = TrainingMaterial.objects.get(name="讲义_1.pdf")
    assert TrainingMaterial.objects.count() == 2
    download = client.get(url("training_material", pk=material.pk))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    client.force_login(ChildFactory(user=UserFactory(role=Role.CHILD)).user)
    assert client.get(url("training_material", pk=material.pk)).status_code == 403


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.html", b"<script>alert(1)</script>"),
        ("setup.exe", b"MZ\x90\x00"),
        ("slides.pdf", b"MZ not really a pdf"),
        ("macros.docx", docx_bytes(extra_member="word/vbaProject.bin")),
        ("notes.txt", b"\xff\xfe\x00binary"),
    ],
)
def test_a_document_of_a_forbidden_type_is_refused_with_its_name_and_the_form_kept(
    client, team, settings, tmp_path, name, content
):
    settings.MEDIA_ROOT = tmp_path
    sub_team, _children, mentor = team
    client.force_login(mentor)

    response = client.post(
        url("training_new", "zh-hans", pk=sub_team.pk),
        {
            "held_on": str(timezone.localdate()),
            "topic": "建言技能",
            "hours": "2",
            "sub_teams": [sub_team.pk],
            "materials": [SimpleUploadedFile(name, content)],
        },
    )

    assert response.status_code == 200
    assert "不能作为材料上传" in response.text
    assert "建言技能" in response.text
    assert not TrainingSession.objects.exists()
    assert not TrainingMaterial.objects.exists()


def test_a_document_over_the_size_limit_is_refused(team, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.TRAINING_MATERIAL_MAX_BYTES = 10
    with pytest.raises(ValidationError) as refused:
        log(team, materials=[SimpleUploadedFile("big.pdf", b"%PDF-" + b"x" * 20)])
    assert "materials" in refused.value.message_dict
    assert not TrainingSession.objects.exists()


def test_a_correction_removes_and_adds_materials(team, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    sub_team, children, mentor = team
    session = log(team, materials=[SimpleUploadedFile("a.pdf", b"%PDF-1")])
    old = session.materials.get()

    services.training_session_correct(
        session=session,
        user=mentor,
        held_on=session.held_on,
        topic=session.topic,
        hours=session.hours,
        attendees=children[:1],
        sub_teams=[sub_team],
        materials=[SimpleUploadedFile("b.txt", "提纲".encode())],
        remove_materials=[old],
    )

    assert [m.name for m in session.materials.all()] == ["b.txt"]


def test_a_document_with_no_usable_name_is_kept_as_file(team, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    session = log(team, materials=[SimpleUploadedFile("『』###.pdf", b"%PDF-1.4")])

    assert [m.name for m in session.materials.all()] == ["file.pdf"]


def test_an_opendocument_with_macros_is_refused(team, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
        archive.writestr("Basic/Standard/Module1.xml", "macro")

    with pytest.raises(ValidationError):
        log(team, materials=[SimpleUploadedFile("macro.odt", buffer.getvalue())])
    assert not TrainingSession.objects.exists()


@pytest.mark.parametrize("count", [2, 6])
def test_the_training_list_links_each_sessions_materials_and_pins_its_queries(
    client, team, settings, tmp_path, count, django_assert_num_queries
):
    settings.MEDIA_ROOT = tmp_path
    sub_team, _children, mentor = team
    for n in range(count):
        log(team, topic=f"第{n}课", materials=[SimpleUploadedFile(f"lesson{n}.pdf", b"%PDF-1")])
    client.force_login(mentor)
    client.get(url("sub_team_training", pk=sub_team.pk))

    # session, user, sub-team, mentor, may see it; sessions, their mentors and users, materials;
    # members; may log, may correct; unread notices.
    with django_assert_num_queries(13):
        listing = client.get(url("sub_team_training", pk=sub_team.pk)).text

    assert "lesson1.pdf" in listing
    assert url("training_material", pk=TrainingMaterial.objects.first().pk) in listing


def test_a_session_names_the_mentors_who_ran_it_from_those_of_its_sub_teams(client, team):
    sub_team, _children, mentor = team
    colleague = MentorFactory(sub_teams=[sub_team])
    stranger = MentorFactory(sub_teams=[sub_team_with_members(1)[0]])
    client.force_login(mentor)
    data = {
        "held_on": str(timezone.localdate()),
        "topic": "两位导师的课",
        "hours": "2",
        "sub_teams": [sub_team.pk],
        "mentors": [colleague.pk],
    }

    refused = client.post(url("training_new", pk=sub_team.pk), {**data, "mentors": [stranger.pk]})
    response = client.post(url("training_new", pk=sub_team.pk), data)

    assert refused.status_code == 200
    assert response.status_code == 302
    session = TrainingSession.objects.get()
    assert set(session.mentors.all()) == {mentor.mentor, colleague}
