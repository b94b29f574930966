"""“Me too”: a child adds their voice to another child's suggestion (services.voice_add), the
counts every owner sees ("27 children in 6 schools"), and merging, which moves the voices."""

from datetime import datetime, time

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from rest_framework.test import APIClient

from groups.models import Role
from privacy import services as privacy_services
from privacy.models import ConsentMethod
from suggestions import selectors, services
from suggestions.models import Notification, NotificationKind, Suggestion, Voice
from suggestions.services import suggestion_transition
from suggestions.workflow import State
from tests.groups.factories import (
    START,
    ChildUserFactory,
    GuardianshipFactory,
    SchoolFactory,
)
from tests.helpers import url
from tests.privacy.factories import guardians_notice
from tests.suggestions.factories import SuggestionFactory, route_pending

pytestmark = pytest.mark.django_db


def with_consent(child):
    """A guardian's consent in force, as every child who acts in the portal has."""
    guardianship = GuardianshipFactory(child=child, guardian__user__role=Role.GUARDIAN)
    privacy_services.consent_give(
        child=child,
        guardian=guardianship.guardian,
        notice=guardians_notice(),
        method=ConsentMethod.PAPER,
        given_at=timezone.make_aware(datetime.combine(START, time(12))),
    )
    child.refresh_from_db()
    child.user.refresh_from_db()
    return child


def a_child(school, name, *, consent=True):
    child = ChildUserFactory(display_name=name, child__school=school).child
    return with_consent(child) if consent else child


def sent(pipe, **kwargs):
    """One of pipe.child's suggestions, at the school."""
    suggestion = pipe.draft(**kwargs)
    suggestion_transition(suggestion=suggestion, action="submit", user=pipe.child_user)
    route_pending()
    return Suggestion.objects.get(pk=suggestion.pk)


@pytest.fixture
def peer(pipe):
    return a_child(pipe.school, "小青蛙")


# --- The service's rules --------------------------------------------------------------------


def test_a_child_adds_their_voice_to_a_schoolmates_suggestion_and_the_author_hears(pipe, peer):
    suggestion = sent(pipe)

    voice = services.voice_add(suggestion=suggestion, child=peer, line="  我也每天从这里过  ")

    assert (voice.child, voice.line) == (peer, "我也每天从这里过")
    assert Notification.objects.filter(
        recipient=pipe.child_user, suggestion=suggestion, kind=NotificationKind.VOICE
    ).exists()


def refused(suggestion, child, line=""):
    before = (Voice.objects.count(), Notification.objects.count())
    with pytest.raises(ValidationError) as error:
        services.voice_add(suggestion=suggestion, child=child, line=line)
    assert (Voice.objects.count(), Notification.objects.count()) == before  # nothing written
    with translation.override("en"):
        return " ".join(str(message) for message in error.value.messages)


def test_a_child_cannot_say_me_too_to_their_own_suggestion(pipe):
    with_consent(pipe.child)

    assert "your own suggestion" in refused(sent(pipe), pipe.child)


def test_a_child_says_me_too_only_once(pipe, peer):
    suggestion = sent(pipe)
    services.voice_add(suggestion=suggestion, child=peer)

    assert "already" in refused(suggestion, peer)
    assert Voice.objects.filter(suggestion=suggestion).count() == 1


def test_a_child_without_a_guardians_consent_cannot_say_me_too(pipe):
    waiting = a_child(pipe.school, "小蜗牛", consent=False)

    assert "guardian" in refused(sent(pipe), waiting)


@pytest.mark.parametrize(
    "how",
    ["a draft", "another school's open one", "declined", "withdrawn", "returned"],
)
def test_a_child_cannot_say_me_too_to_one_they_cannot_see(pipe, peer, how):
    if how == "a draft":
        suggestion = pipe.draft()
    elif how == "another school's open one":
        elsewhere = a_child(SchoolFactory(), "小海豚")
        suggestion = sent(pipe)
        peer = elsewhere
    else:
        suggestion = sent(pipe)
        action = {"declined": "decline", "withdrawn": "withdraw", "returned": "return"}[how]
        user = pipe.child_user if action == "withdraw" else pipe.school_staff
        suggestion_transition(suggestion=suggestion, action=action, user=user, note="谢谢")

    assert "cannot see" in refused(Suggestion.objects.get(pk=suggestion.pk), peer)


def test_a_line_longer_than_140_characters_is_refused(pipe, peer):
    assert "140" in refused(sent(pipe), peer, line="长" * 141)


def test_an_implemented_suggestion_is_public_so_any_school_may_say_me_too(pipe, peer):
    implemented = SuggestionFactory(child=pipe.child, state=State.IMPLEMENTED)
    elsewhere = a_child(SchoolFactory(), "小海豚")

    services.voice_add(suggestion=implemented, child=peer)
    services.voice_add(suggestion=implemented, child=elsewhere)

    heard = selectors.heard_from(implemented)
    assert (heard.children, heard.schools, heard.others) == (3, 2, 2)


def test_a_child_may_take_their_voice_back(pipe, peer):
    suggestion = sent(pipe)
    services.voice_add(suggestion=suggestion, child=peer)

    assert services.voice_withdraw(suggestion=suggestion, child=peer) is True
    assert services.voice_withdraw(suggestion=suggestion, child=peer) is False
    assert not Voice.objects.exists()


# --- Counts ---------------------------------------------------------------------------------


def test_the_counts_are_the_author_and_the_voices_in_their_distinct_schools(pipe, peer):
    suggestion = sent(pipe)
    other_school = SchoolFactory()
    services.voice_add(suggestion=suggestion, child=peer)
    Voice.objects.create(suggestion=suggestion, child=a_child(other_school, "小海豚"))
    Voice.objects.create(suggestion=suggestion, child=a_child(other_school, "小海马"))
    lonely = sent(pipe)

    rows = {row.pk: row for row in selectors.with_voices(Suggestion.objects.all())}

    assert selectors.heard_from(rows[suggestion.pk]) == selectors.HeardFrom(4, 2)
    assert selectors.heard_from(rows[lonely.pk]) == selectors.HeardFrom(1, 1)


@pytest.mark.parametrize("count", [3, 12])
def test_the_inbox_shows_the_counts_in_the_same_number_of_queries(
    client, pipe, count, django_assert_num_queries
):
    children = [a_child(pipe.school, f"小鸟{n}") for n in range(3)]
    for _ in range(count):
        suggestion = sent(pipe)
        for child in children:
            Voice.objects.create(suggestion=suggestion, child=child)
    client.force_login(pipe.school_staff)
    client.get(url("inbox"))

    # As the inbox's own test counts them: the counts are subqueries of the page's query.
    with django_assert_num_queries(8):
        response = client.get(url("inbox"))

    assert response.text.count("4 children in 1 school") == count


# --- Merging --------------------------------------------------------------------------------


def test_merging_moves_the_voices_and_the_author_and_loses_nobody(pipe, peer):
    a, b = sent(pipe), sent(pipe)
    b_author = a_child(pipe.school, "小松鼠")
    Suggestion.objects.filter(pk=b.pk).update(child=b_author)
    b = Suggestion.objects.get(pk=b.pk)
    both, only_a = peer, a_child(pipe.school, "小刺猬")
    services.voice_add(suggestion=a, child=both, line="我也看到了")
    services.voice_add(suggestion=a, child=only_a, line="很危险")
    services.voice_add(suggestion=a, child=b_author)  # B's own author collapses into B
    services.voice_add(suggestion=b, child=both)
    everyone = {a.child_id, b.child_id, both.pk, only_a.pk}

    suggestion_transition(suggestion=a, action="merge", user=pipe.school_staff, merged_into=b)

    voices = Voice.objects.filter(suggestion=b)
    assert {b.child_id, *voices.values_list("child_id", flat=True)} == everyone
    assert voices.count() == 3  # both, only_a, and A's author; nobody twice
    assert voices.get(child=only_a).line == "很危险"  # a moved voice keeps its line
    assert not Voice.objects.filter(suggestion=a).exists()
    assert selectors.heard_from(b) == selectors.HeardFrom(4, 1)


# --- The API --------------------------------------------------------------------------------


def test_the_api_gives_the_counts_in_the_list_and_the_detail(pipe, peer):
    suggestion = sent(pipe)
    services.voice_add(suggestion=suggestion, child=peer)
    api = APIClient()
    api.force_authenticate(pipe.school_staff)

    listed = api.get("/api/v1/suggestions/").json()["results"]
    detail = api.get(f"/api/v1/suggestions/{suggestion.pk}/").json()

    assert listed[0]["heard_from"] == {"children": 2, "schools": 1}
    assert detail["heard_from"] == {"children": 2, "schools": 1}


# --- The pages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "button", "thanks"),
    [("zh-hans", "我也发现了！", "谢谢你！"), ("en", "Me too! I noticed it too", "Thank you!")],
)
def test_a_schoolmate_opens_the_suggestion_says_me_too_and_is_thanked(
    client, pipe, peer, language, button, thanks
):
    suggestion = sent(pipe, photo="")
    client.force_login(peer.user)

    page = client.get(url("suggestion_detail", language, pk=suggestion.pk))
    assert page.status_code == 200
    assert button in page.text
    assert suggestion.noticed in page.text
    # What passed between the author and the staff is not a schoolmate's to read.
    assert 'id="timeline-heading"' not in page.text

    response = client.post(
        url("suggestion_voice", language, pk=suggestion.pk),
        {"line": "<b>我也看到了</b>"},
        follow=True,
    )

    assert thanks in response.text
    assert "&lt;b&gt;我也看到了&lt;/b&gt;" in response.text
    assert Voice.objects.get(suggestion=suggestion).child == peer


def test_the_author_reads_how_many_others_noticed_it_too(client, pipe, peer):
    suggestion = sent(pipe)
    services.voice_add(suggestion=suggestion, child=peer, line="我也看到了")
    client.force_login(pipe.child_user)

    page = client.get(url("suggestion_detail", "zh-hans", pk=suggestion.pk))

    assert "你和另外 1 个小朋友都发现了。" in page.text
    assert "小青蛙" in page.text and "我也看到了" in page.text


@pytest.mark.parametrize(
    ("language", "count"),
    [("zh-hans", "3 个小朋友，来自 2 所学校"), ("en", "3 children in 2 schools")],
)
def test_the_staff_detail_page_shows_the_children_and_their_schools(
    client, pipe, peer, language, count
):
    suggestion = sent(pipe)
    services.voice_add(suggestion=suggestion, child=peer)
    Voice.objects.create(suggestion=suggestion, child=a_child(SchoolFactory(), "小海豚"))
    client.force_login(pipe.school_staff)

    page = client.get(url("suggestion_detail", language, pk=suggestion.pk))

    assert count in page.text


def test_the_childs_list_shows_the_suggestions_they_said_me_too_to(client, pipe, peer):
    suggestion = sent(pipe)
    services.voice_add(suggestion=suggestion, child=peer)
    client.force_login(peer.user)

    page = client.get(url("my_suggestions", "zh-hans"))

    assert "我也支持的建议" in page.text
    assert suggestion.title in page.text
    assert "已经有 2 个小朋友发现了。" in page.text


def test_a_second_me_too_on_the_page_is_refused_with_a_message_and_nothing_written(
    client, pipe, peer
):
    suggestion = sent(pipe)
    services.voice_add(suggestion=suggestion, child=peer)
    client.force_login(peer.user)

    response = client.post(
        url("suggestion_voice", "zh-hans", pk=suggestion.pk), {"line": "再说一次"}
    )

    assert response.status_code == 200
    assert "说一次就够了" in response.text
    assert "再说一次" in response.text  # what they typed is kept
    assert Voice.objects.count() == 1


def test_a_too_long_line_is_refused_and_kept(client, pipe, peer):
    suggestion = sent(pipe)
    client.force_login(peer.user)

    response = client.post(
        url("suggestion_voice", "zh-hans", pk=suggestion.pk), {"line": "长" * 141}
    )

    assert response.status_code == 200
    assert "最多 140 个字" in response.text
    assert "长" * 141 in response.text
    assert not Voice.objects.exists()


def test_me_too_on_ones_own_or_an_unseen_suggestion_is_refused_with_a_message(client, pipe, peer):
    own = sent(pipe)
    elsewhere = a_child(SchoolFactory(), "小海豚")

    client.force_login(pipe.child_user)
    mine = client.post(url("suggestion_voice", "zh-hans", pk=own.pk), follow=True)
    client.force_login(elsewhere.user)
    unseen = client.post(url("suggestion_voice", "zh-hans", pk=own.pk), follow=True)

    assert "这是你自己的建议" in mine.text
    assert "这个建议你看不到" in unseen.text
    assert client.get(url("suggestion_detail", "zh-hans", pk=own.pk)).status_code == 403
    assert not Voice.objects.exists()


def test_a_child_takes_their_me_too_back_on_the_page(client, pipe, peer):
    suggestion = sent(pipe)
    services.voice_add(suggestion=suggestion, child=peer)
    client.force_login(peer.user)

    response = client.post(
        url("suggestion_voice", "en", pk=suggestion.pk), {"withdraw": "1"}, follow=True
    )

    assert "was taken back" in response.text
    assert not Voice.objects.exists()


# --- The year's figures ---------------------------------------------------------------------


def test_the_years_figures_count_the_voices_and_the_suggestions_with_voices(pipe, peer):
    from reports.figures import suppressed, year_figures

    voiced, _alone = sent(pipe), sent(pipe)
    services.voice_add(suggestion=voiced, child=peer)
    Voice.objects.create(suggestion=voiced, child=a_child(SchoolFactory(), "小海豚"))

    headline = year_figures(timezone.localdate().year).headline

    assert (headline["voices"], headline["suggestions_with_voices"]) == (2, 1)
    # Each voice is a child's: below five, the public does not see how many.
    assert suppressed(year_figures(timezone.localdate().year)).headline["voices"] == "<5"


def test_a_childs_me_too_list_names_each_suggestion_once_in_one_query(
    pipe, peer, django_assert_num_queries
):
    first, second = sent(pipe), sent(pipe)
    for suggestion in (first, second):
        services.voice_add(suggestion=suggestion, child=peer)
        Voice.objects.create(
            suggestion=suggestion, child=a_child(SchoolFactory(), f"小{suggestion.pk}")
        )

    with django_assert_num_queries(1):
        rows = list(selectors.voiced_by(peer))

    assert [row.pk for row in rows] == [second.pk, first.pk]
    assert [selectors.heard_from(row).children for row in rows] == [3, 3]


# --- Where the three parts of issue 21 meet (a review's findings) ----------------------------


def test_a_child_an_adult_recorded_it_for_cannot_say_me_too_to_it(pipe, peer):
    from suggestions.models import SuggestionAuthor

    suggestion = sent(pipe)
    SuggestionAuthor.objects.create(suggestion=suggestion, child=pipe.child)
    SuggestionAuthor.objects.create(suggestion=suggestion, child=peer)  # recorded for both

    assert "your own suggestion" in refused(suggestion, peer)


def test_merging_makes_every_recorded_author_a_voice(pipe, peer):
    from suggestions.models import SuggestionAuthor

    a, b = sent(pipe), sent(pipe)
    b_author = a_child(pipe.school, "小松鼠")
    Suggestion.objects.filter(pk=b.pk).update(child=b_author)
    b = Suggestion.objects.get(pk=b.pk)
    SuggestionAuthor.objects.create(suggestion=a, child=pipe.child)
    SuggestionAuthor.objects.create(suggestion=a, child=peer)  # A was recorded for two

    suggestion_transition(suggestion=a, action="merge", user=pipe.school_staff, merged_into=b)

    assert set(Voice.objects.filter(suggestion=b).values_list("child_id", flat=True)) == {
        pipe.child.pk,
        peer.pk,
    }


def test_a_child_of_another_school_reads_an_implemented_one_as_the_public_does(client, pipe, peer):
    implemented = SuggestionFactory(
        child=pipe.child, state=State.IMPLEMENTED, place="和睦小区3幢门口"
    )
    services.voice_add(suggestion=implemented, child=peer, line="我们楼下也一样")
    elsewhere = a_child(SchoolFactory(), "小海豚")
    client.force_login(elsewhere.user)

    page = client.get(url("suggestion_detail", "zh-hans", pk=implemented.pk)).text

    assert implemented.title in page
    assert "和睦小区3幢门口" not in page, "the street is not another school's to read"
    assert "我们楼下也一样" not in page and "小青蛙" not in page, "nor who else said it"
    client.force_login(peer.user)
    assert (
        "和睦小区3幢门口" in client.get(url("suggestion_detail", "zh-hans", pk=implemented.pk)).text
    )
