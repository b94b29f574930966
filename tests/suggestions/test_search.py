"""Similar suggestions while a child writes, and the search page (suggestions/search.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups.models import Role
from suggestions import selectors, services
from suggestions.models import Suggestion
from suggestions.search import MAX_QUERY, suggestion_words, words
from suggestions.workflow import State
from tests.groups.factories import ChildFactory, StaffFactory, UserFactory
from tests.helpers import suggestion_form_data, url
from tests.suggestions.factories import SuggestionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def elsewhere():
    """A child of another school, with a login."""
    return ChildFactory(user=UserFactory(role=Role.CHILD))


def implemented(child, title, **kwargs):
    return SuggestionFactory(child=child, title=title, state=State.IMPLEMENTED, **kwargs)


def titles(found):
    return [s.title for s in found]


# --- The words ----------------------------------------------------------------------------------


def test_chinese_is_cut_into_words_and_english_is_lower_cased():
    found = words("学校门口的地下通道太黑了！", "Dark UNDERPASS, <script>")
    assert {"学校", "门口", "地下通道", "dark", "underpass", "script"} <= set(found)
    assert "的" not in found  # in every suggestion: it tells nothing apart
    assert "<" not in "".join(found) and "！" not in found


def test_the_services_write_the_words_of_the_title_and_the_texts(pipe):
    suggestion = services.suggestion_create(
        child=pipe.child, submit=False, title="地下通道太黑", noticed="晚上看不见", proposal="装灯"
    )
    assert {"地下通道", "看不见", "装灯"} <= set(suggestion.search_words.split())
    services.suggestion_update(
        suggestion=suggestion,
        user=pipe.child_user,
        submit=False,
        expected_version=suggestion.version,
        title="Dark underpass",
    )
    suggestion.refresh_from_db()
    assert "underpass" in suggestion.search_words.split()
    assert "地下通道" not in suggestion.search_words.split()


# --- Similar suggestions ------------------------------------------------------------------------


def test_a_child_finds_an_implemented_one_of_another_school_by_its_chinese_words(pipe, elsewhere):
    done = implemented(elsewhere, "地下通道的灯太暗了")
    implemented(elsewhere, "公园的长椅坏了")
    found = selectors.similar_suggestions("地下通道好黑", user=pipe.child_user)
    assert titles(found) == [done.title]


def test_a_child_finds_one_by_english_words_even_half_typed(pipe, elsewhere):
    done = implemented(elsewhere, "The underpass is dark at night")
    assert titles(selectors.similar_suggestions("Dark under", user=pipe.child_user)) == [done.title]


def test_a_child_never_sees_another_schools_open_suggestion(pipe, elsewhere):
    SuggestionFactory(child=elsewhere, title="地下通道太黑", state=State.AT_SCHOOL)
    assert selectors.similar_suggestions("地下通道太黑", user=pipe.child_user) == []
    # Its own child and school do.
    assert selectors.similar_suggestions("地下通道太黑", user=elsewhere.user)
    staff = StaffFactory(organisation=elsewhere.school, user__role=Role.SCHOOL).user
    Suggestion.objects.filter(child=elsewhere).update(owner=elsewhere.school)
    assert selectors.similar_suggestions("地下通道太黑", user=staff)
    assert selectors.similar_suggestions("地下通道太黑", user=pipe.school_staff) == []


def test_drafts_returned_declined_and_merged_ones_are_not_similar(pipe):
    for state in (State.DRAFT, State.RETURNED, State.DECLINED, State.WITHDRAWN):
        SuggestionFactory(child=pipe.child, title="地下通道太黑", state=state)
    assert selectors.similar_suggestions("地下通道太黑", user=pipe.admin) == []


def test_the_closest_comes_first_and_the_one_being_edited_is_left_out(pipe, elsewhere):
    some = implemented(elsewhere, "地下通道有积水")
    most = implemented(elsewhere, "地下通道晚上太黑有积水")
    found = selectors.similar_suggestions("地下通道晚上太黑", user=pipe.child_user)
    assert titles(found) == [most.title, some.title]
    found = selectors.similar_suggestions("地下通道晚上太黑", user=pipe.child_user, exclude=most.pk)
    assert titles(found) == [some.title]


def test_similar_suggestions_take_two_queries_at_most_whatever_their_number(pipe, elsewhere):
    for n in range(3):
        implemented(elsewhere, f"地下通道有积水{n}")
    selectors.similar_suggestions("地下通道", user=pipe.child_user)  # who the user is: asked once
    for many in (False, True):
        if many:
            for n in range(10):
                implemented(elsewhere, f"地下通道太黑{n}")
        with CaptureQueriesContext(connection) as captured:
            selectors.similar_suggestions("地下通道太黑", user=pipe.child_user)
        assert len(captured) <= 2


def test_nothing_to_look_for_asks_nothing(pipe, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert selectors.similar_suggestions("！？…<>", user=pipe.child_user) == []


def test_merge_candidates_most_alike_come_first(pipe):
    pipe_kwargs = {"child": pipe.child, "state": State.AT_SCHOOL, "owner": pipe.school}
    merged = SuggestionFactory(title="地下通道太黑", **pipe_kwargs)
    SuggestionFactory(title="公园的长椅坏了", **pipe_kwargs)
    alike = SuggestionFactory(title="地下通道晚上太黑", **pipe_kwargs)
    candidates = selectors.merge_candidates_alike(merged)
    assert candidates[0] == alike
    assert set(candidates) == set(selectors.merge_candidates(merged))


# --- The child's form -------------------------------------------------------------------------


def test_the_fragment_lists_similar_ones_with_a_link_to_each(client, pipe, elsewhere):
    done = implemented(elsewhere, "地下通道太黑 <b>x</b>")
    client.force_login(pipe.child_user)
    page = client.get(url("suggestion_similar", "zh-hans"), {"title": "地下通道", "noticed": ""})
    html = page.content.decode()
    assert "地下通道太黑 &lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    # Implemented elsewhere: the child may not open its page, but reads it with all the others.
    assert f'href="{url("implemented", "zh-hans")}"' in html
    own = SuggestionFactory(child=pipe.child, title="地下通道很黑", state=State.AT_SCHOOL)
    html = client.get(url("suggestion_similar"), {"title": "地下通道"}).content.decode()
    assert url("suggestion_detail", pk=own.pk) in html
    assert done.title not in client.get(url("suggestion_similar"), {"title": ""}).content.decode()


def test_without_javascript_the_button_shows_the_list_and_saves_nothing(client, pipe, elsewhere):
    implemented(elsewhere, "学校门口需要斑马线")
    client.force_login(pipe.child_user)
    data = suggestion_form_data(pipe) | {"find_similar": "1"}
    page = client.post(url("suggestion_new", "zh-hans"), data)
    assert page.status_code == 200
    html = page.content.decode()
    assert "学校门口需要斑马线" in html and "看看别人是不是也发现了" in html
    assert not Suggestion.objects.filter(child=pipe.child).exists()


def test_guardians_have_no_similar_list(client, pipe):
    client.force_login(UserFactory(role=Role.GUARDIAN))
    assert client.get(url("suggestion_similar"), {"title": "x"}).status_code == 403


# --- The search page ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "typed", "found"),
    [("zh-hans", "红绿灯", "学校门口的红绿灯"), ("en", "Crossing", "A crossing at the gate")],
)
def test_staff_search_their_suggestions_in_both_languages(client, pipe, language, typed, found):
    for title in ("学校门口的红绿灯", "A crossing at the gate", "公园的长椅"):
        SuggestionFactory(child=pipe.child, title=title, state=State.AT_SCHOOL, owner=pipe.school)
    client.force_login(pipe.school_staff)
    html = client.get(url("suggestion_search", language), {"q": typed}).content.decode()
    assert found in html and "公园的长椅" not in html


def test_a_childs_search_finds_own_and_implemented_never_another_schools_open(
    client, pipe, elsewhere
):
    SuggestionFactory(child=pipe.child, title="我的斑马线", state=State.DRAFT)
    implemented(elsewhere, "做好的斑马线")
    SuggestionFactory(child=elsewhere, title="别人的斑马线", state=State.AT_SCHOOL)
    client.force_login(pipe.child_user)
    html = client.get(url("suggestion_search", "zh-hans"), {"q": "斑马线"}).content.decode()
    assert "我的斑马线" in html and "做好的斑马线" in html
    assert "别人的斑马线" not in html


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Type a word or two to look for"),
        ("斑" * 500, "That is too long to look for"),
        ("<>%_\\'\";--", "There are no words to look for in that"),
        ("！？。", "There are no words to look for in that"),
    ],
)
def test_bad_input_gets_a_clear_message_and_keeps_what_was_typed(client, pipe, typed, message):
    client.force_login(pipe.child_user)
    response = client.get(url("suggestion_search"), {"q": typed})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and 'aria-invalid="true"' in html


def test_the_search_speaks_chinese(client, pipe):
    client.force_login(pipe.child_user)
    html = client.get(url("suggestion_search", "zh-hans"), {"q": ""}).content.decode()
    assert "找建议" in html and "写一两个词" in html


def test_the_search_page_asks_as_many_queries_for_many_as_for_few(client, pipe):
    client.force_login(pipe.school_staff)
    counts = []
    for total in (2, 30):
        while Suggestion.objects.count() < total:
            SuggestionFactory(child=pipe.child, state=State.AT_SCHOOL, owner=pipe.school)
        with CaptureQueriesContext(connection) as captured:
            page = client.get(url("suggestion_search"), {"q": "斑马线"})
        assert page.status_code == 200
        counts.append(len(captured))
    assert counts == [counts[0]] * 2
    assert counts[0] == SEARCH_QUERIES


# The session and the user; who they are (a child, staff, a mentor: once each for the permission
# and the visibility rules, then cached); the count and the page of rows.
SEARCH_QUERIES = 8


def test_a_query_of_up_to_the_limit_is_looked_for(client, pipe):
    client.force_login(pipe.child_user)
    response = client.get(url("suggestion_search"), {"q": "斑马线 " * (MAX_QUERY // 4)})
    assert response.status_code == 200
    assert "too long" not in response.content.decode()


def test_the_words_of_a_suggestion_are_those_of_its_three_texts():
    holder = Suggestion(title="Title", noticed="noticed", proposal="proposal")
    assert suggestion_words(holder) == "title noticed proposal"


def test_a_title_fixed_in_the_admin_is_found_by_its_new_words(rf, admin_user):
    from django.contrib import admin

    from suggestions.admin import SuggestionAdmin
    from suggestions.models import Suggestion
    from suggestions.search import suggestion_words
    from tests.suggestions.factories import SuggestionFactory

    suggestion = SuggestionFactory(title="路灯坏了")
    suggestion.title = "斑马线看不清"
    request = rf.post("/")
    request.user = admin_user

    SuggestionAdmin(Suggestion, admin.site).save_model(request, suggestion, None, True)

    suggestion.refresh_from_db()
    assert suggestion.search_words == suggestion_words(suggestion)
    assert "斑马线" in suggestion.search_words.split() and "路灯" not in suggestion.search_words
