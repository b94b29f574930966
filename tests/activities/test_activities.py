from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from activities import services
from activities.models import Activity, ActivityKind, DiscussionTopic, PhotoConsent
from groups.models import GroupLevel, ObservationGroup, OrganisationKind, Role
from suggestions.models import ParticipationRole
from suggestions.workflow import State
from tests.groups.factories import (
    AdminFactory,
    ChildFactory,
    CommunityFactory,
    DistrictFactory,
    GuardianshipFactory,
    MentorFactory,
    SchoolFactory,
    StaffFactory,
    UserFactory,
    alliance_with_members,
    sub_team_with_members,
)
from tests.suggestions.factories import SuggestionFactory

pytestmark = pytest.mark.django_db


def url(name, language="en", **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


@pytest.fixture
def team():
    sub_team, children = sub_team_with_members(4)
    mentor = MentorFactory(sub_teams=[sub_team]).user
    return sub_team, children, mentor


def form_data(**overrides):
    start = timezone.localtime().replace(microsecond=0, second=0) - timedelta(days=2)
    return {
        "title": "地铁站实地走访",
        "kind": ActivityKind.SITE_VISIT,
        "role": ParticipationRole.SENTIMENT_OBSERVER,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "place": "龙翔桥站",
        "children_count": "12",
        "adults_count": "3",
        **overrides,
    }


def log(team, **overrides):
    sub_team, children, mentor = team
    start = timezone.now() - timedelta(days=1)
    fields = {
        "title": "圆桌会",
        "kind": ActivityKind.ROUND_TABLE,
        "role": ParticipationRole.WELFARE_SUPERVISOR,
        "starts_at": start,
        "ends_at": start + timedelta(hours=1),
        "place": "市民中心",
        "children_count": 5,
        "sub_teams": [sub_team],
        "attendees": children[:2],
        **overrides,
    }
    return services.activity_log(user=mentor, group=sub_team.group, **fields)


def photo_file(name="photo.jpg"):
    image = Image.new("RGB", (40, 30), "orange")
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # a tag that must not survive
    buffer = BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def test_a_mentor_logs_an_activity_and_it_links_both_ways_with_its_suggestions(client, team):
    sub_team, children, mentor = team
    partner = DistrictFactory(kind=OrganisationKind.UNIVERSITY, name="浙江大学", district=None)
    suggestion = SuggestionFactory(child=children[0], state=State.SUBMITTED)
    client.force_login(mentor)

    response = client.post(
        url("activity_new", pk=sub_team.group_id),
        form_data(
            sub_teams=[sub_team.pk],
            partners=[partner.pk],
            attendees=[children[0].pk, children[1].pk],
            suggestion_numbers=f"＃{suggestion.pk}",
        ),
    )

    activity = Activity.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("activity_detail", pk=activity.pk)
    assert list(activity.sub_teams.all()) == [sub_team]
    assert list(activity.partners.all()) == [partner]
    assert activity.attendees.count() == 2
    assert activity.logged_by == mentor
    page = client.get(url("activity_detail", pk=activity.pk)).text
    assert "浙江大学" in page
    assert suggestion.title in page
    assert children[0].pseudonym in page
    client.force_login(children[0].user or UserFactory(role=Role.ADMIN))
    detail = client.get(url("suggestion_detail", pk=suggestion.pk)).text
    assert "地铁站实地走访" in detail


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"ends_at": "2026-01-01T08:00"}, "ends_at", "An activity must end after it starts."),
        ({"place": ""}, "place", "Give the place or choose the practice base."),
        ({"children_count": "-1"}, "children_count", "greater than or equal to 0"),
        ({"suggestion_numbers": "99999"}, "suggestion_numbers", "There is no suggestion #99999."),
        ({"suggestion_numbers": "three"}, "suggestion_numbers", "Write only numbers"),
    ],
)
def test_bad_activities_are_refused_with_the_input_kept_and_nothing_written(
    client, team, overrides, field, message
):
    sub_team, _children, mentor = team
    client.force_login(mentor)

    response = client.post(url("activity_new", pk=sub_team.group_id), form_data(**overrides))

    assert response.status_code == 200
    assert message in response.text
    assert "地铁站实地走访" in response.text, "what was typed is kept"
    assert not Activity.objects.exists()


def test_an_activity_refuses_children_from_outside_the_group_and_too_small_counts(team):
    outsider = ChildFactory()
    with pytest.raises(ValidationError) as refused:
        log(team, attendees=[team[1][0], outsider], children_count=1)

    errors = refused.value.message_dict
    assert outsider.pseudonym in errors["attendees"][0]
    assert "children_count" in errors
    assert not Activity.objects.exists()


def test_a_suggestion_the_logger_may_not_see_cannot_be_linked(team):
    stranger = SuggestionFactory()
    with pytest.raises(ValidationError) as refused:
        log(team, suggestions=[stranger])
    assert "suggestions" in refused.value.message_dict


def test_an_end_before_the_start_is_refused_in_chinese(client, team):
    sub_team, _children, mentor = team
    client.force_login(mentor)

    response = client.post(
        url("activity_new", "zh-hans", pk=sub_team.group_id),
        form_data(ends_at="2026-01-01T08:00"),
    )

    assert "活动的结束时间必须晚于开始时间" in response.text


def test_school_staff_log_activities_of_their_alliance_group_only(client):
    school, other_school = SchoolFactory(), SchoolFactory()
    alliance_with_members(school, other_school, fostered=1)
    own = ObservationGroup.objects.get(level=GroupLevel.ALLIANCE_MEMBER, organisation=school)
    fostered = ObservationGroup.objects.get(level=GroupLevel.PARTICIPATION_ORG, fostered_by=own)
    other = ObservationGroup.objects.get(
        level=GroupLevel.ALLIANCE_MEMBER, organisation=other_school
    )
    client.force_login(StaffFactory(organisation=school, user__role=Role.SCHOOL).user)

    assert client.get(url("activity_new", pk=own.pk)).status_code == 200
    assert client.get(url("activity_new", pk=fostered.pk)).status_code == 200
    assert client.get(url("activity_new", pk=other.pk)).status_code == 403
    response = client.post(url("activity_new", pk=fostered.pk), form_data())
    assert response.status_code == 302
    assert Activity.objects.get().group == fostered


def test_children_guardians_and_anonymous_visitors_cannot_log_activities(client, team):
    sub_team, children, _mentor = team
    new = url("activity_new", pk=sub_team.group_id)
    assert client.get(new).status_code == 302  # to the login page
    child = children[0]
    child.user = UserFactory(role=Role.CHILD)
    child.save()
    client.force_login(child.user)
    assert client.get(new).status_code == 403
    activity = log(team)
    assert client.get(url("activity_edit", pk=activity.pk)).status_code == 403
    assert client.get(url("activity_photo_new", pk=activity.pk)).status_code == 403


def test_a_mentor_corrects_an_activity_and_the_change_is_kept(client, team):
    _sub_team, children, mentor = team
    activity = log(team)
    client.force_login(mentor)

    form = client.get(url("activity_edit", pk=activity.pk)).text
    assert "圆桌会" in form
    response = client.post(
        url("activity_edit", pk=activity.pk),
        form_data(title="圆桌会（更正）", children_count="9", attendees=[children[3].pk]),
    )

    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.title == "圆桌会（更正）"
    assert list(activity.attendees.all()) == [children[3]]
    assert list(activity.sub_teams.all()) == [], "no sub-team ticked: the whole group"


def test_the_public_sees_an_activity_but_not_who_came(client, team):
    _sub_team, children, _mentor = team
    activity = log(team)

    page = client.get(url("activity_detail", pk=activity.pk))

    assert page.status_code == 200
    assert "圆桌会" in page.text
    assert children[0].pseudonym not in page.text


def test_the_activity_list_filters_and_survives_bad_filters(client, team):
    log(team, title="圆桌会甲")
    log(team, title="安全宣传乙", kind=ActivityKind.SAFETY_OUTREACH)

    everything = client.get(url("activity_list")).text
    safety = client.get(url("activity_list") + "?kind=safety_outreach").text
    bad = client.get(url("activity_list") + "?kind=zzz&year=abc&district=x&page=99")

    assert "圆桌会甲" in everything and "安全宣传乙" in everything
    assert "安全宣传乙" in safety and "圆桌会甲" not in safety
    assert bad.status_code == 200
    assert "Select a valid choice" in bad.text


@pytest.mark.parametrize("count", [3, 30])
def test_the_activity_list_takes_the_same_number_of_queries_for_any_number_of_rows(
    client, team, count, django_assert_num_queries
):
    for n in range(count):
        log(team, title=f"活动{n}")
    client.get(url("activity_list"))

    # count, page, and the filter form's programmes and districts.
    with django_assert_num_queries(4):
        response = client.get(url("activity_list"))
    assert response.status_code == 200


def test_a_photo_is_stripped_and_a_child_shown_needs_a_guardians_consent(
    client, team, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    _sub_team, children, mentor = team
    activity = log(team)
    shown = children[0]
    client.force_login(mentor)

    refused = client.post(
        url("activity_photo_new", pk=activity.pk),
        {"image": photo_file(), "children_shown": [shown.pk], "nobody_else": "on"},
    )
    assert refused.status_code == 200
    assert f"No guardian has agreed to photos of {shown.pseudonym}" in refused.text
    assert not activity.photos.exists()

    guardianship = GuardianshipFactory(child=shown, photo_consent_on=timezone.localdate())
    added = client.post(
        url("activity_photo_new", pk=activity.pk),
        {
            "image": photo_file(),
            "caption": "孩子们在讨论",
            "children_shown": [shown.pk],
            "nobody_else": "on",
        },
    )

    assert added.status_code == 302
    photo = activity.photos.get()
    consent = PhotoConsent.objects.get(photo=photo)
    assert (consent.child, consent.guardian) == (shown, guardianship.guardian)
    assert not Image.open(photo.image.path).getexif()
    served = client.get(url("activity_photo", pk=photo.pk))
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    client.logout()
    assert client.get(url("activity_photo", pk=photo.pk)).status_code == 404
    assert "1 photo showing children" in client.get(url("activity_detail", pk=activity.pk)).text


def test_a_photo_without_children_is_public_but_needs_the_confirmation(
    client, team, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    _sub_team, _children, mentor = team
    activity = log(team)
    client.force_login(mentor)

    unconfirmed = client.post(url("activity_photo_new", pk=activity.pk), {"image": photo_file()})
    assert "Confirm that no other child can be recognised" in unconfirmed.text
    not_a_photo = client.post(
        url("activity_photo_new", pk=activity.pk),
        {"image": SimpleUploadedFile("x.jpg", b"<html>"), "nobody_else": "on"},
    )
    assert "This file is not a photo" in not_a_photo.text
    client.post(
        url("activity_photo_new", pk=activity.pk), {"image": photo_file(), "nobody_else": "on"}
    )

    client.logout()
    photo = activity.photos.get()
    assert client.get(url("activity_photo", pk=photo.pk)).status_code == 200


def test_a_child_shown_in_a_photo_must_have_been_there(team, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    _sub_team, children, mentor = team
    activity = log(team, attendees=children[:1])
    absent = children[2]
    GuardianshipFactory(child=absent, photo_consent_on=timezone.localdate())

    with pytest.raises(ValidationError) as refused:
        services.activity_photo_add(
            activity=activity, user=mentor, image=photo_file(), children_shown=[absent]
        )
    assert absent.pseudonym in refused.value.message_dict["children_shown"][0]


def test_the_child_their_guardian_and_their_mentor_see_what_the_child_took_part_in(client, team):
    _sub_team, children, mentor = team
    activity = log(team, title="博物馆走访")
    child = children[0]
    child.user = UserFactory(role=Role.CHILD)
    child.save()
    guardian = GuardianshipFactory(child=child).guardian.user
    page = url("child_participation", pk=child.pk)

    for user in (child.user, guardian, mentor, AdminFactory()):
        client.force_login(user)
        response = client.get(page)
        assert response.status_code == 200, user
        assert activity.title in response.text
    assert child.pseudonym + " took part in" in response.text
    client.force_login(ChildFactory(user=UserFactory(role=Role.CHILD)).user)
    assert client.get(page).status_code == 403
    client.force_login(MentorFactory(sub_teams=[sub_team_with_members(1)[0]]).user)
    assert client.get(page).status_code == 403


@pytest.fixture
def yangliu():
    community = CommunityFactory()
    alliance_with_members(community, fostered=0)
    group = ObservationGroup.objects.get(organisation=community)
    staff = StaffFactory(organisation=community, user__role=Role.COMMUNITY).user
    university = DistrictFactory(
        kind=OrganisationKind.UNIVERSITY, name="浙江工业大学", district=None
    )
    return group, staff, university


def topic_data(university, **overrides):
    return {
        "name": "社区健身站怎么建",
        "partner": university.pk,
        "raised_on": str(timezone.localdate()),
        "summary": "和大学生一起调研。",
        **overrides,
    }


def test_community_staff_record_a_discussion_topic_with_its_suggestions(client, yangliu):
    group, staff, university = yangliu
    suggestion = SuggestionFactory()  # of a child elsewhere: not the staff's to link
    client.force_login(staff)
    assert client.get(url("topic_new", pk=group.pk)).status_code == 200

    response = client.post(url("topic_new", pk=group.pk), topic_data(university))

    assert response.status_code == 302
    topic = DiscussionTopic.objects.get()
    assert (topic.group, topic.partner) == (group, university)
    listing = client.get(url("topic_list") + f"?group={group.pk}").text
    assert "社区健身站怎么建" in listing
    assert url("topic_edit", pk=topic.pk) in listing
    refused = client.post(
        url("topic_edit", pk=topic.pk),
        topic_data(university, suggestion_numbers=str(suggestion.pk)),
    )
    assert f"You cannot link suggestion #{suggestion.pk}" in refused.text
    assert not topic.suggestions.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"raised_on": "2999-01-01"}, "A topic cannot be raised in the future."),
        ({"name": ""}, "This field is required."),
        ({"suggestion_numbers": "99999999999999999999"}, "There is no suggestion"),
    ],
)
def test_bad_discussion_topics_are_refused_and_nothing_is_written(
    client, yangliu, overrides, message
):
    group, staff, university = yangliu
    client.force_login(staff)

    response = client.post(url("topic_new", pk=group.pk), topic_data(university, **overrides))

    assert response.status_code == 200
    assert message in response.text
    assert not DiscussionTopic.objects.exists()


def test_a_partner_that_is_not_a_university_or_business_is_refused(yangliu):
    group, staff, _university = yangliu
    with pytest.raises(ValidationError) as refused:
        services.discussion_topic_record(
            user=staff,
            group=group,
            name="议题",
            partner=SchoolFactory(),
            raised_on=timezone.localdate(),
        )
    assert "partner" in refused.value.message_dict


def test_others_cannot_record_or_edit_a_groups_topics(client, yangliu, team):
    group, staff, university = yangliu
    client.force_login(staff)
    client.post(url("topic_new", pk=group.pk), topic_data(university))
    topic = DiscussionTopic.objects.get()

    for user in (team[2], StaffFactory(user__role=Role.SCHOOL).user, UserFactory(role=Role.CHILD)):
        client.force_login(user)
        assert client.get(url("topic_new", pk=group.pk)).status_code == 403
        assert (
            client.post(url("topic_edit", pk=topic.pk), topic_data(university)).status_code == 403
        )
        assert url("topic_edit", pk=topic.pk) not in client.get(url("topic_list")).text


def test_a_mentor_changes_only_activities_of_their_own_sub_teams_or_the_whole_group(team):
    _sub_team, _children, mentor = team
    other_mentor = MentorFactory(sub_teams=[sub_team_with_members(1)[0]]).user
    theirs = log(team)
    whole_group = log(team, sub_teams=[], attendees=[])

    assert mentor.has_perm("activities.change_activity", theirs)
    assert not other_mentor.has_perm("activities.change_activity", theirs)
    assert other_mentor.has_perm("activities.change_activity", whole_group)


def test_an_out_of_range_group_filter_is_a_message_not_an_error(client):
    response = client.get(url("activity_list") + "?group=99999999999999999999")

    assert response.status_code == 200


def test_the_public_activity_page_names_only_implemented_suggestions(client, team):
    _sub_team, children, _mentor = team
    done = SuggestionFactory(child=children[0], state=State.IMPLEMENTED, title="儿童停车场")
    on_its_way = SuggestionFactory(child=children[1], state=State.AT_SCHOOL, title="楼道的灯")
    activity = log(team, suggestions=[done, on_its_way])

    public = client.get(url("activity_detail", pk=activity.pk)).text
    client.force_login(team[2])
    mentors = client.get(url("activity_detail", pk=activity.pk)).text

    assert "儿童停车场" in public
    assert "楼道的灯" not in public
    assert "and 1 more, still on its way" in public
    assert "楼道的灯" in mentors


@pytest.mark.usefixtures("in_english")  # its message is asserted in English
def test_a_draft_cannot_be_linked_to_an_activity(team):
    _sub_team, children, _mentor = team
    draft = SuggestionFactory(child=children[0])

    with pytest.raises(ValidationError) as refused:
        log(team, suggestions=[draft])

    assert "has not been sent yet" in refused.value.message_dict["suggestions"][0]


def test_an_edit_keeps_a_link_the_editor_may_not_open(team):
    _sub_team, _children, mentor = team
    admin = AdminFactory()
    elsewhere = SuggestionFactory(state=State.AT_SCHOOL)
    activity = services.activity_log(
        user=admin,
        group=team[0].group,
        title="圆桌会",
        kind=ActivityKind.ROUND_TABLE,
        role=ParticipationRole.WELFARE_SUPERVISOR,
        starts_at=timezone.now() - timedelta(days=1),
        ends_at=timezone.now() - timedelta(hours=20),
        place="市民中心",
        children_count=3,
        sub_teams=[team[0]],
        suggestions=[elsewhere],
    )

    services.activity_change(
        activity=activity,
        user=mentor,
        title="圆桌会（更正）",
        kind=ActivityKind.ROUND_TABLE,
        role=ParticipationRole.WELFARE_SUPERVISOR,
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
        place="市民中心",
        children_count=3,
        sub_teams=[team[0]],
        suggestions=[elsewhere],
    )

    assert list(activity.suggestions.all()) == [elsewhere]


def test_a_deleted_photo_or_activity_takes_its_file_with_it(
    team, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    _sub_team, _children, mentor = team
    activity = log(team)
    photo = services.activity_photo_add(activity=activity, user=mentor, image=photo_file())
    path = Path(photo.image.path)
    assert path.exists()

    with django_capture_on_commit_callbacks(execute=True):
        activity.delete()

    assert not path.exists()


def test_a_photo_that_fails_its_checks_leaves_no_file(team, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    _sub_team, children, mentor = team
    activity = log(team)

    with pytest.raises(ValidationError):
        services.activity_photo_add(
            activity=activity, user=mentor, image=photo_file(), children_shown=children[:1]
        )

    assert not list(tmp_path.rglob("*.jpg"))
