"""The form's "where" step: a known place near the school or found by a few letters, or
district → street → community, without JavaScript (issue 19, item 2)."""

import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from places import services as place_services
from places.models import Division, DivisionLevel, Place, PlaceKind
from suggestions.models import Suggestion
from suggestions.workflow import State
from tests.suggestions.test_child_form import complete, url
from tests.suggestions.test_views import photo_bytes

from .factories import Pipeline

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _language_kept():
    """A request to an /en/ page leaves English active in this thread: not for the next test."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


def division(name, level=DivisionLevel.STREET):
    return Division.objects.select_related("parent__parent").get(level=level, name=name)


def known(name, street="西湖街道", kind=PlaceKind.PARK, **fields):
    return place_services.place_save(
        Place(name=name, kind=kind, division=division(street), **fields)
    )


@pytest.fixture
def pipe():
    """A child whose school is a known place in a community of 北山街道."""
    pipe = Pipeline()
    beishan = division("北山街道")
    place_services.place_save(
        Place(
            name=pipe.school.name,
            kind=PlaceKind.SCHOOL,
            division=beishan.children.get(name="宝石社区"),
            organisation=pipe.school,
        )
    )
    return pipe


@pytest.fixture
def child(client, pipe):
    client.force_login(pipe.child_user)
    return client


def radios(page, name="known_place") -> list[str]:
    """The values of the radio buttons, in the page's order."""
    return re.findall(rf'<input type="radio" name="{name}" value="([^"]*)"', page)


def checked_place(page) -> list[str]:
    return re.findall(r'name="known_place" value="([^"]*)"[^>]*checked', page)


def options(page, name) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', page, re.S).group(0)
    return re.findall(r'<option value="(\d+)"', select)


def selected(page, name) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', page, re.S).group(0)
    return re.findall(r'<option value="(\d+)" selected', select)


# --- Near my school, first ------------------------------------------------------------------


def test_places_near_the_school_come_first(child, pipe):
    near = known("宝石山", street="北山街道")
    in_its_community = place_services.place_save(
        Place(name="宝石社区公园", kind=PlaceKind.PARK, division=division("宝石社区", "community"))
    )
    far = known("太子湾公园")

    page = child.get(url("suggestion_new")).text

    listed = radios(page)
    assert {str(near.pk), str(in_its_community.pk)} < set(listed[:3])
    assert str(far.pk) not in listed
    assert page.index("Near my school") < page.index("Or find it by its name")
    assert page.index("Or find it by its name") < page.index("Or choose step by step")
    assert page.index("Or choose step by step") < page.index("Tell us exactly where")
    assert checked_place(page) == []


def test_a_school_that_is_no_known_place_has_no_near_list(client):
    pipe = Pipeline()
    client.force_login(pipe.child_user)
    page = client.get(url("suggestion_new")).text
    assert "Near my school" not in page
    assert radios(page) == [""]  # only "None of these", hidden until there is a list


# --- Search, without JavaScript -------------------------------------------------------------


def test_pinyin_initials_find_a_place_and_everything_typed_is_kept(child, pipe):
    taiziwan = known("太子湾公园", name_en="Taiziwan Park")
    typed = complete(pipe, place="")

    response = child.post(
        url("suggestion_new"), {**typed, "place_search": "tzw", "find_place": "search"}
    )

    page = response.text
    assert response.status_code == 200
    assert not Suggestion.objects.exists()
    assert str(taiziwan.pk) in radios(page)
    assert "One place found. Tap it to choose it." in page
    assert "Taiziwan Park" in page and "Xihu District · Xihu Subdistrict" in page
    assert 'value="tzw"' in page
    for value in ("楼道灯太暗", "晚上楼道很黑，我差点摔倒。", "换上会自己亮的感应灯。"):
        assert value in page
    # Shown again to find a place: no errors, though "Send it" would find the words missing.
    assert "Almost there!" not in page and "errorlist" not in page


def test_a_search_that_finds_nothing_says_what_to_try(child, pipe):
    page = child.post(
        url("suggestion_new", "zh-hans"), {"place_search": "没有这个地方", "find_place": "search"}
    ).text
    assert "没有找到" in page
    assert not Suggestion.objects.exists()


def test_a_place_found_and_chosen_is_sent_with_its_name_as_the_words(child, pipe):
    taiziwan = known("太子湾公园", name_en="Taiziwan Park")

    response = child.post(
        url("suggestion_new", "zh-hans"),
        {**complete(pipe, place=""), "known_place": taiziwan.pk, "submit": "1"},
    )

    suggestion = Suggestion.objects.get()
    assert response.status_code == 302
    assert suggestion.state == State.SUBMITTED
    assert (suggestion.known_place, suggestion.division) == (taiziwan, taiziwan.division)
    assert suggestion.place == "太子湾公园"


def test_words_the_child_wrote_are_kept_beside_the_place(child, pipe):
    taiziwan = known("太子湾公园")
    child.post(
        url("suggestion_new"),
        {**complete(pipe, place="北门的滑梯"), "known_place": taiziwan.pk, "submit": "1"},
    )
    assert Suggestion.objects.get().place == "北门的滑梯"


def test_without_a_place_or_words_sending_still_asks_where(child, pipe):
    page = child.post(url("suggestion_new"), {**complete(pipe, place=""), "submit": "1"}).text
    assert "Write where it is or choose a place above, then send it again." in page
    assert not Suggestion.objects.exists()


def test_nothing_chosen_is_fine_when_the_words_say_where(child, pipe):
    child.post(url("suggestion_new"), {**complete(pipe), "submit": "1"})
    suggestion = Suggestion.objects.get()
    assert (suggestion.known_place, suggestion.division) == (None, None)
    assert suggestion.place == "梧桐苑 3 幢楼道"


# --- District → street → community, without JavaScript --------------------------------------


def test_the_cascade_shows_each_next_select_and_saves_nothing(child, pipe):
    xihu = division("西湖区", DivisionLevel.DISTRICT)
    street = division("西湖街道")
    community = division("九溪社区", DivisionLevel.COMMUNITY)
    typed = {"title": "溪边的路太滑", "noticed": "下雨后很滑。"}

    first = child.get(url("suggestion_new")).text
    assert len(options(first, "district")) == 13
    assert options(first, "street") == [] and options(first, "community") == []

    streets = child.post(
        url("suggestion_new"), {**typed, "district": xihu.pk, "find_place": "streets"}
    ).text
    assert selected(streets, "district") == [str(xihu.pk)]
    assert set(options(streets, "street")) == {str(d.pk) for d in xihu.children.all()}
    assert options(streets, "community") == []

    communities = child.post(
        url("suggestion_new"),
        {**typed, "district": xihu.pk, "street": street.pk, "find_place": "communities"},
    ).text
    assert selected(communities, "street") == [str(street.pk)]
    assert str(community.pk) in options(communities, "community")
    for page in (streets, communities):
        assert "溪边的路太滑" in page and "下雨后很滑。" in page
        assert "errorlist" not in page
    assert not Suggestion.objects.exists()

    child.post(
        url("suggestion_new", "zh-hans"),
        {
            **typed,
            "district": xihu.pk,
            "street": street.pk,
            "community": community.pk,
            "save": "1",
        },
    )
    draft = Suggestion.objects.get()
    assert (draft.division, draft.known_place) == (community, None)
    assert draft.place == "西湖区 · 西湖街道 · 九溪社区"


def test_a_district_alone_is_enough(child, pipe):
    xihu = division("西湖区", DivisionLevel.DISTRICT)
    child.post(url("suggestion_new"), {**complete(pipe), "district": xihu.pk, "submit": "1"})
    assert Suggestion.objects.get().division == xihu


def test_changing_the_district_drops_the_street_of_the_other_one(child, pipe):
    xihu = division("西湖区", DivisionLevel.DISTRICT)
    shangcheng = division("上城区", DivisionLevel.DISTRICT)
    page = child.post(
        url("suggestion_new"),
        {"district": shangcheng.pk, "street": division("西湖街道").pk, "find_place": "streets"},
    ).text
    assert selected(page, "street") == []
    assert str(division("湖滨街道").pk) in options(page, "street")
    assert xihu.pk  # the other district's street is simply no longer chosen
    assert "errorlist" not in page


def test_a_photo_chosen_before_a_search_is_asked_for_again(child, pipe):
    photo = SimpleUploadedFile("p.jpg", photo_bytes(), content_type="image/jpeg")
    page = child.post(
        url("suggestion_new"), {"place_search": "xh", "find_place": "search", "photo": photo}
    ).text
    assert "Choose the photo again" in page
    assert not Suggestion.objects.exists()


# --- Bad input: a clear message in the step, everything kept, nothing written ---------------


def _refused(child, pipe, fields, field, message):
    typed = complete(pipe, place="")
    response = child.post(url("suggestion_new"), {**typed, **fields, "submit": "1"})
    page = response.text
    assert response.status_code == 200
    assert not Suggestion.objects.exists()
    assert message in page
    assert '<a href="#step-place">Step 3: Where is it?</a>' in page
    assert f'id="id_{field}_error"' in page or field == "known_place"
    for value in ("楼道灯太暗", "晚上楼道很黑，我差点摔倒。", "换上会自己亮的感应灯。"):
        assert value in page
    return page


def test_a_place_that_does_not_exist_is_refused(child, pipe):
    _refused(
        child,
        pipe,
        {"known_place": "999999"},
        "known_place",
        "We could not find this place. Choose one from the list again.",
    )


@pytest.mark.parametrize("value", ["abc", "1.5", "-1", "9" * 30])
def test_a_place_id_that_is_no_number_is_refused(child, pipe, value):
    _refused(child, pipe, {"known_place": value}, "known_place", "We could not find this place.")


def test_a_retired_place_is_refused(child, pipe):
    retired = known("白马湖公园", street="长河街道", retired=True)
    page = _refused(
        child,
        pipe,
        {"known_place": retired.pk},
        "known_place",
        "This place is no longer on the list. Please choose another.",
    )
    assert "白马湖公园" not in page  # not offered again


def test_a_retired_place_already_on_the_draft_stays_valid(child, pipe):
    park = known("白马湖公园", street="长河街道")
    draft = pipe.draft(known_place=park, division=park.division, place="白马湖公园")
    Place.objects.filter(pk=park.pk).update(retired=True)

    page = child.get(url("suggestion_edit", pk=draft.pk)).text
    assert checked_place(page) == [str(park.pk)]
    response = child.post(
        url("suggestion_edit", pk=draft.pk),
        {**complete(pipe), "known_place": park.pk, "version": draft.version, "save": "1"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.known_place == park


def test_a_community_not_in_the_chosen_street_is_refused(child, pipe):
    _refused(
        child,
        pipe,
        {
            "district": division("西湖区", DivisionLevel.DISTRICT).pk,
            "street": division("西湖街道").pk,
            "community": division("宝石社区", DivisionLevel.COMMUNITY).pk,  # 北山街道's
        },
        "community",
        "This community is not in the street you chose.",
    )


def test_a_street_not_in_the_chosen_district_is_refused(child, pipe):
    _refused(
        child,
        pipe,
        {
            "district": division("上城区", DivisionLevel.DISTRICT).pk,
            "street": division("西湖街道").pk,
        },
        "street",
        "This street is not in the district you chose.",
    )


@pytest.mark.parametrize("value", ["999999", "abc"])
def test_a_division_that_is_not_a_hangzhou_division_is_refused(child, pipe, value):
    _refused(child, pipe, {"district": value}, "district", "Choose a district from the list.")


def test_a_street_sent_as_a_district_is_refused(child, pipe):
    _refused(
        child,
        pipe,
        {"district": division("西湖街道").pk},
        "district",
        "Choose a district from the list.",
    )


def test_a_place_outside_the_division_chosen_is_refused_and_both_stay_chosen(child, pipe):
    park = known("太子湾公园")
    shangcheng = division("上城区", DivisionLevel.DISTRICT)
    page = _refused(
        child,
        pipe,
        {"known_place": park.pk, "district": shangcheng.pk},
        "known_place",
        "The place you picked is not in the district or street you chose below.",
    )
    assert checked_place(page) == [str(park.pk)]
    assert selected(page, "district") == [str(shangcheng.pk)]


@pytest.mark.parametrize(
    "chosen",
    [
        {"district": "西湖区"},
        # The park lies in the street; which of its communities is not known: not apart.
        {"district": "西湖区", "street": "西湖街道", "community": "九溪社区"},
    ],
)
def test_a_place_inside_the_division_chosen_or_around_it_is_fine(child, pipe, chosen):
    park = known("太子湾公园")
    levels = {"district": DivisionLevel.DISTRICT, "street": DivisionLevel.STREET}
    levels["community"] = DivisionLevel.COMMUNITY
    cascade = {key: division(name, levels[key]).pk for key, name in chosen.items()}
    child.post(
        url("suggestion_new"),
        {**complete(pipe), "known_place": park.pk, **cascade, "submit": "1"},
    )
    assert Suggestion.objects.get().division == park.division


# --- Editing, the review step and the journey ------------------------------------------------


def test_a_draft_shows_its_division_in_the_cascade_and_a_new_choice_renames_the_words(child, pipe):
    street = division("西湖街道")
    draft = pipe.draft(division=street, place="西湖区 · 西湖街道")
    page = child.get(url("suggestion_edit", pk=draft.pk)).text
    assert selected(page, "district") == [str(street.parent_id)]
    assert selected(page, "street") == [str(street.pk)]
    assert "Xihu District · Xihu Subdistrict" in page  # on the review step, in English

    park = known("杭州植物园", street="灵隐街道")
    child.post(
        url("suggestion_edit", pk=draft.pk),
        {**complete(pipe, place="Xihu District · Xihu Subdistrict"), "known_place": park.pk,
         "version": draft.version, "save": "1"},
    )  # fmt: skip
    draft.refresh_from_db()
    assert (draft.known_place, draft.division, draft.place) == (park, park.division, "杭州植物园")


def test_none_of_these_takes_the_place_away(child, pipe):
    park = known("太子湾公园")
    draft = pipe.draft(known_place=park, division=park.division, place="太子湾公园")
    child.post(
        url("suggestion_edit", pk=draft.pk),
        {**complete(pipe, place="南门"), "known_place": "", "version": draft.version, "save": "1"},
    )
    draft.refresh_from_db()
    assert (draft.known_place, draft.division, draft.place) == (None, None, "南门")


def test_the_place_chosen_shows_on_the_review_step_and_the_journey_in_both_languages(child, pipe):
    park = known("太子湾公园", name_en="Taiziwan Park")
    draft = pipe.draft(known_place=park, division=park.division, place="北门")

    for language, shown in [
        ("zh-hans", "太子湾公园 · 西湖区 · 西湖街道"),
        ("en", "Taiziwan Park · Xihu District · Xihu Subdistrict"),
    ]:
        edit = child.get(url("suggestion_edit", language, pk=draft.pk)).text
        assert re.search(r'id="where-chosen-name">' + re.escape(shown), edit)
        journey = child.get(url("suggestion_detail", language, pk=draft.pk)).text
        assert shown in journey


# --- Query counts ---------------------------------------------------------------------------


def test_the_form_takes_a_fixed_number_of_queries_whatever_it_shows(
    child, pipe, django_assert_num_queries
):
    for i in range(15):
        known(f"北山公园{i}", street="北山街道")
    searched = {
        "known_place": Place.objects.first().pk,
        "place_search": "bs",
        "district": division("西湖区", DivisionLevel.DISTRICT).pk,
        "street": division("西湖街道").pk,
        "community": division("九溪社区", DivisionLevel.COMMUNITY).pk,
        "find_place": "search",
    }
    child.get(url("suggestion_new"))  # the session's first look fills its caches

    # The new form: as before (6), and the school's place, the places near it, the districts.
    with django_assert_num_queries(9):
        child.get(url("suggestion_new"))
    # A search and the whole cascade: the place, district, street and community checked, the
    # places found, the streets and the communities listed.
    with django_assert_num_queries(8 + 7):
        child.post(url("suggestion_new"), searched)


def test_a_place_on_a_draft_costs_its_form_one_query_and_its_journey_none(child, pipe):
    park = known("太子湾公园")
    without = pipe.draft()
    with_place = pipe.draft(known_place=park, division=park.division, place="北门")
    child.get(url("suggestion_new"))  # the session's first look fills its caches

    def queries(name, draft):
        with CaptureQueriesContext(connection) as counted:
            child.get(url(name, pk=draft.pk))
        return len(counted)

    assert queries("suggestion_edit", with_place) == queries("suggestion_edit", without) + 1
    assert queries("suggestion_detail", with_place) == queries("suggestion_detail", without)
