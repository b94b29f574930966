"""Suggestions recorded on behalf of children (issue 21): by a mentor or a coordinator of the
group, for named children or the whole group, from an activity and a discussion topic; sent on
their way at once; every author finds them in their list and is told of their answers."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from activities.models import ActivityKind
from groups.models import Role
from hangzhou_cfc.errors import NotAllowed
from suggestions import selectors
from suggestions.models import (
    Notification,
    NotificationKind,
    OnBehalfRecord,
    ParticipationRole,
    StageChange,
    Suggestion,
    SuggestionAuthor,
)
from suggestions.services import RowRefused, suggestions_record_on_behalf
from tests.activities.factories import (
    CommunityGroupFactory,
    DiscussionTopicFactory,
    ProgrammeActivityFactory,
)
from tests.groups.factories import (
    CommunityFactory,
    FocusAreaFactory,
    MembershipFactory,
    MentorFactory,
    MentorTeamFactory,
    SchoolFactory,
    StaffFactory,
    UserFactory,
)
from tests.helpers import photo_bytes
from tests.privacy.factories import child_with_guardian
from tests.suggestions.factories import route_pending

pytestmark = pytest.mark.django_db


class Scene:
    """A community's group with a mentor and a coordinator; children A and B (consent given),
    C (a member without consent) and an outsider (consent, another group); a discussion."""

    def __init__(self):
        self.community = CommunityFactory(name="杨柳郡社区")
        self.group = CommunityGroupFactory(organisation=self.community, name="杨柳郡儿童观察团")
        self.mentor = MentorFactory(team=MentorTeamFactory(group=self.group)).user
        self.coordinator = StaffFactory(organisation=self.community, user__role=Role.COMMUNITY).user
        self.a, self.guardian_a = child_with_guardian(consent=True, email="a@example.org")
        self.b, self.guardian_b = child_with_guardian(consent=True, email="b@example.org")
        self.c, _ = child_with_guardian(consent=False, email="c@example.org")
        self.outsider, _ = child_with_guardian(consent=True, email="d@example.org")
        for child in (self.a, self.b, self.c):
            MembershipFactory(child=child, group=self.group, sub_team=None)
        MembershipFactory(child=self.outsider, group=CommunityGroupFactory(), sub_team=None)
        self.activity = ProgrammeActivityFactory(
            group=self.group, programme=None, kind=ActivityKind.DISCUSSION
        )
        self.topic = DiscussionTopicFactory(group=self.group)
        self.focus_area = FocusAreaFactory()

    def row(self, title="地下通道太暗", **overrides):
        return {
            "title": title,
            "noticed": "晚上地下通道里很黑。",
            "proposal": "装更亮的灯。",
            "place": "文一路地下通道",
            "focus_area": self.focus_area,
            "role": ParticipationRole.SAFETY_PROMOTER,
            "children": [],
            "whole_group": False,
            "scan": None,
            **overrides,
        }

    def record(self, *rows, recorder=None, **kwargs):
        return suggestions_record_on_behalf(
            recorder=recorder or self.mentor,
            group=self.group,
            source="写在 5 月 12 日活动的纸上",
            rows=list(rows),
            activity_id=self.activity.pk,
            topic_id=self.topic.pk,
            **kwargs,
        )


@pytest.fixture
def scene():
    return Scene()


@pytest.fixture(autouse=True)
def in_english():
    """The messages are checked in English (the Chinese ones are in the .po)."""
    with translation.override("en"):
        yield


def three_from_a_discussion(scene):
    """The done-when's three: one for A, one for A and B, one for the whole group."""
    return scene.record(
        scene.row("给A的", children=[scene.a]),
        scene.row("给A和B的", children=[scene.a, scene.b]),
        scene.row("全组的", whole_group=True),
    )


# --- The service ----------------------------------------------------------------------------


def test_a_mentor_records_three_suggestions_which_are_sent_like_a_childs(scene):
    one, two, group = three_from_a_discussion(scene)

    assert [s.state for s in (one, two, group)] == ["submitted"] * 3
    # `child` is the first named child; every author has a row.
    assert (one.child, two.child) == (scene.a, scene.a)
    assert {a.child for a in two.authors.all()} == {scene.a, scene.b}
    assert {a.child for a in group.authors.all()} == {scene.a, scene.b}
    record = group.recorded
    assert record.recorded_by == scene.mentor
    assert (record.activity, record.discussion_topic) == (scene.activity, scene.topic)
    assert record.source == "写在 5 月 12 日活动的纸上" and record.by_whole_group
    assert not one.recorded.by_whole_group
    assert set(scene.activity.suggestions.all()) == {one, two, group}
    assert set(scene.topic.suggestions.all()) == {one, two, group}
    # The history says who sent it on the children's behalf.
    assert StageChange.objects.get(suggestion=one, action="submit").actor == scene.mentor
    # Found by the search and "similar" like a child's own (its words are indexed).
    from suggestions.search import suggestion_words

    assert all(s.search_words == suggestion_words(s) != "" for s in (one, two, group))


def test_the_whole_group_leaves_out_a_child_without_consent(scene):
    (suggestion,) = scene.record(scene.row(whole_group=True))

    assert scene.c not in {a.child for a in suggestion.authors.all()}


def test_the_community_coordinator_may_record_for_the_communitys_group(scene):
    (suggestion,) = scene.record(scene.row(children=[scene.b]), recorder=scene.coordinator)

    assert suggestion.recorded.recorded_by == scene.coordinator


def test_a_child_without_consent_is_refused_by_pseudonym_and_nothing_is_written(scene):
    with pytest.raises(RowRefused) as refused:
        scene.record(scene.row(children=[scene.a]), scene.row(children=[scene.a, scene.c]))

    assert refused.value.row == 1
    assert scene.c.pseudonym in str(refused.value.message_dict["children"])
    assert "consent" in str(refused.value.message_dict["children"])
    assert not Suggestion.objects.exists()
    assert not OnBehalfRecord.objects.exists() and not SuggestionAuthor.objects.exists()


def test_a_child_outside_the_recorders_groups_is_refused_by_pseudonym(scene):
    with pytest.raises(RowRefused) as refused:
        scene.record(scene.row(children=[scene.outsider]))

    assert scene.outsider.pseudonym in str(refused.value.message_dict["children"])
    assert not Suggestion.objects.exists()


def test_a_row_naming_nobody_is_refused(scene):
    with pytest.raises(RowRefused):
        scene.record(scene.row())
    assert not Suggestion.objects.exists()


def test_an_incomplete_row_is_refused_since_it_is_sent_at_once(scene):
    with pytest.raises(RowRefused) as refused:
        scene.record(scene.row(children=[scene.a], noticed=""))
    assert "noticed" in refused.value.message_dict
    assert not Suggestion.objects.exists()


def test_a_scan_that_is_neither_a_photo_nor_a_pdf_is_refused(scene):
    text = SimpleUploadedFile("scan.pdf", b"not really a pdf", content_type="application/pdf")
    with pytest.raises(RowRefused) as refused:
        scene.record(scene.row(children=[scene.a], scan=text))

    assert "PDF" in str(refused.value.message_dict)
    assert not Suggestion.objects.exists()


def test_a_pdf_scan_is_kept_and_a_photo_is_re_encoded_whatever_its_name(scene):
    pdf = SimpleUploadedFile("paper.txt", b"%PDF-1.4\n%...\n", content_type="text/plain")
    photo = SimpleUploadedFile("paper.pdf", photo_bytes(), content_type="application/pdf")

    one, two = scene.record(
        scene.row(children=[scene.a], scan=pdf), scene.row(children=[scene.b], scan=photo)
    )

    assert one.recorded.scan.name.endswith(".pdf")
    assert one.recorded.scan.read().startswith(b"%PDF-")
    assert two.recorded.scan.name.endswith(".jpg")
    assert b"PhoneMaker" not in two.recorded.scan.read()


def test_an_activity_or_topic_of_another_group_is_refused(scene):
    other = DiscussionTopicFactory()
    with pytest.raises(ValidationError, match="discussion topic"):
        suggestions_record_on_behalf(
            recorder=scene.mentor,
            group=scene.group,
            source="纸上",
            rows=[scene.row(children=[scene.a])],
            topic_id=other.pk,
        )
    assert not Suggestion.objects.exists()


@pytest.mark.parametrize("who", ["child", "guardian", "other mentor", "school", "department"])
def test_others_may_not_record_for_the_group(scene, who):
    user = {
        "child": lambda: scene.a.user,
        "guardian": lambda: scene.guardian_a.guardian.user,
        "other mentor": lambda: (
            MentorFactory(team=MentorTeamFactory(group=CommunityGroupFactory())).user
        ),
        "school": lambda: StaffFactory(organisation=SchoolFactory(), user__role=Role.SCHOOL).user,
        "department": lambda: UserFactory(role=Role.DEPARTMENT),
    }[who]()

    assert not user.has_perm("suggestions.record_on_behalf", scene.group)
    with pytest.raises(NotAllowed):
        scene.record(scene.row(children=[scene.a]), recorder=user)
    assert not Suggestion.objects.exists()


# --- The children's lists, their pages, their notices ---------------------------------------


def test_each_child_finds_the_suggestions_made_for_them_in_their_list(scene):
    three_from_a_discussion(scene)

    def titles(child):
        return {s.title for s in selectors.suggestions_of_children([child])}

    assert titles(scene.a) == {"给A的", "给A和B的", "全组的"}
    assert titles(scene.b) == {"给A和B的", "全组的"}
    assert titles(scene.c) == set()


def test_the_childrens_list_asks_the_same_queries_however_many_authors(
    scene, django_assert_num_queries
):
    three_from_a_discussion(scene)
    with django_assert_num_queries(2):  # the suggestions, and their history
        assert len(list(selectors.suggestions_of_children([scene.a, scene.b]))) == 3


def test_every_author_their_guardians_and_the_recorder_may_open_it(scene):
    _one, two, _group = three_from_a_discussion(scene)
    readers = [
        scene.a.user,
        scene.b.user,
        scene.guardian_b.guardian.user,
        scene.mentor,
    ]
    for user in readers:
        assert user.has_perm("suggestions.see_suggestion", two), user
        assert selectors.visible_to(user, Suggestion.objects.filter(pk=two.pk)).exists(), user
    assert not scene.c.user.has_perm("suggestions.see_suggestion", two)
    assert not selectors.visible_to(scene.c.user, Suggestion.objects.filter(pk=two.pk)).exists()


def test_every_author_is_told_when_it_moves_on(scene):
    _one, two, _group = three_from_a_discussion(scene)
    route_pending()

    told = set(
        Notification.objects.filter(suggestion=two, kind=NotificationKind.MOVED).values_list(
            "recipient", flat=True
        )
    )
    assert scene.b.user.pk in told
    assert scene.guardian_b.guardian.user.pk in told


def test_a_childs_home_counts_and_shows_those_recorded_for_them(scene):
    three_from_a_discussion(scene)

    assert selectors.suggestion_counts_of_child(scene.b)["on_the_way"] == 2
    assert {s.title for s in selectors.cards_of_child(scene.b)} == {"给A和B的", "全组的"}
