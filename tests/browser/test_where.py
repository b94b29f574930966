"""A child on a phone says where it is: a place found by a few letters, or district → street →
community, with JavaScript and without (issue 19, item 2)."""

import re

import pytest
from playwright.sync_api import expect

from places import services as place_services
from places.models import Division, DivisionLevel, Place, PlaceKind
from suggestions.models import Suggestion
from tests.groups.factories import MembershipFactory, SubTeamFactory
from tests.suggestions.factories import Pipeline

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _division(name, level=DivisionLevel.STREET):
    return Division.objects.get(level=level, name=name)


@pytest.fixture
def pipe(portal):
    """A child whose school is a known place in 湖滨街道, and a park across the city."""
    pipe = Pipeline()
    pipe.focus_area.code = "transport"
    pipe.focus_area.save()
    MembershipFactory(child=pipe.child, sub_team=SubTeamFactory(focus_area=pipe.focus_area))
    for name, name_en, kind, street, organisation in [
        (pipe.school.name, "Our School", PlaceKind.SCHOOL, "湖滨街道", pipe.school),
        ("龙翔桥站", "Longxiangqiao Station", PlaceKind.METRO_STATION, "湖滨街道", None),
        ("太子湾公园", "Taiziwan Park", PlaceKind.PARK, "西湖街道", None),
        ("西湖文化广场", "West Lake Cultural Square", PlaceKind.OTHER, "朝晖街道", None),
    ]:
        place_services.place_save(
            Place(
                name=name,
                name_en=name_en,
                kind=kind,
                division=_division(name=street),
                organisation=organisation,
            )
        )
    portal.log_in_as(pipe.child_user)
    portal.page.set_viewport_size(PHONE)
    return pipe


def _fill_the_rest(page, language):
    words = {
        "en": ("What I noticed", "Title", "What I suggest", "Safety promoter", "Send it"),
        "zh-hans": ("我观察到的", "标题", "我的建议", "安全宣传员", "发送"),
    }[language]
    page.get_by_label(words[0]).fill("The slide is broken.")
    page.get_by_label(words[1]).fill("Broken slide")
    page.get_by_label(words[2]).fill("Mend the slide.")
    page.get_by_label(words[3]).check()
    return words[4]


def _still_the_same_page(page):
    """True while the page has not been loaded again since _mark (no form was sent)."""
    return page.evaluate("window.notReloaded === true")


def _mark(page):
    page.evaluate("window.notReloaded = true")


@pytest.mark.parametrize(
    ("language", "prefix", "typed", "name", "shown"),
    [
        ("en", "/en", "tzw", "Taiziwan Park", "Taiziwan Park · Xihu District · Xihu Subdistrict"),
        ("zh-hans", "", "子湾", "太子湾公园", "太子湾公园 · 西湖区 · 西湖街道"),
    ],
)
def test_a_child_finds_a_place_as_they_type_and_sends_it(
    portal, pipe, language, prefix, typed, name, shown
):
    page = portal.page
    portal.goto(prefix + "/suggestions/new/")
    near = page.locator("#places-near")
    expect(
        near.get_by_text("Longxiangqiao Station" if language == "en" else "龙翔桥站")
    ).to_be_visible()
    _mark(page)

    page.locator("#id_place_search").press_sequentially(typed, delay=30)

    results = page.locator("#place-results")
    expect(results.get_by_text(name, exact=True)).to_be_visible()
    expect(page.locator("#place-results-status")).not_to_be_empty()
    results.get_by_text(name, exact=True).click()
    expect(page.locator("#where-chosen-name")).to_have_text(shown)
    assert _still_the_same_page(page), "the search went to the server without a reload"

    send = _fill_the_rest(page, language)
    page.get_by_role("button", name=send, exact=True).click()

    expect(page).to_have_url(re.compile(r"/sent/$"))
    suggestion = Suggestion.objects.get()
    park = Place.objects.get(name="太子湾公园")
    assert (suggestion.known_place, suggestion.division) == (park, park.division)
    assert suggestion.place == name  # the words, filled from the place chosen
    assert not portal.overflows_sideways()
    assert portal.foreign_requests() == []


def test_pinyin_initials_find_the_place(portal, pipe):
    page = portal.page
    portal.goto("/suggestions/new/")
    page.locator("#id_place_search").press_sequentially("xhwh", delay=30)
    expect(page.locator("#place-results").get_by_text("西湖文化广场")).to_be_visible()
    expect(page.locator("#place-results-status")).to_have_text("找到 1 个地方，点一下就选好了。")


def test_the_cascade_fills_each_next_select_without_a_reload(portal, pipe):
    page = portal.page
    portal.goto("/en/suggestions/new/")
    _mark(page)
    expect(page.get_by_role("button", name="Show its streets")).to_be_hidden()
    expect(page.get_by_label("Street", exact=True)).to_be_hidden()

    page.get_by_label("District", exact=True).select_option(label="Xihu District")
    expect(page.get_by_label("Street", exact=True)).to_be_visible()
    page.get_by_label("Street", exact=True).select_option(label="Xihu Subdistrict")
    community = page.get_by_label("Community (you can skip this)")
    expect(community).to_be_visible()
    community.select_option(label="Jiuxi Community")
    expect(page.locator("#where-chosen-name")).to_have_text(
        "Xihu District · Xihu Subdistrict · Jiuxi Community"
    )
    assert _still_the_same_page(page)

    page.get_by_label("Title").fill("Slippery path")
    page.get_by_role("button", name="Keep as a draft").click()

    expect(page.get_by_text("Xihu District · Xihu Subdistrict · Jiuxi Community")).to_be_visible()
    draft = Suggestion.objects.get()
    assert draft.division == _division("九溪社区", DivisionLevel.COMMUNITY)
    assert draft.known_place is None


def test_without_javascript_the_find_buttons_show_the_next_step(portal, pipe, browser):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    context.add_cookies(portal.page.context.cookies())
    page = context.new_page()
    try:
        page.goto(portal.base_url + "/suggestions/new/")
        page.get_by_label("标题").fill("滑梯坏了")
        page.get_by_label("区县", exact=True).select_option(label="西湖区")
        page.get_by_role("button", name="看看有哪些街道").click()
        expect(page.get_by_label("标题")).to_have_value("滑梯坏了")
        page.get_by_label("街道", exact=True).select_option(label="西湖街道")
        page.get_by_role("button", name="看看有哪些社区").click()
        page.get_by_label("社区（可以不选）").select_option(label="九溪社区")

        page.locator("#id_place_search").fill("tzw")
        page.get_by_role("button", name="找一找").click()
        expect(page.get_by_label("标题")).to_have_value("滑梯坏了")
        expect(page.get_by_label("社区（可以不选）")).to_have_value(
            str(_division("九溪社区", DivisionLevel.COMMUNITY).pk)
        )
        assert not Suggestion.objects.exists()
        page.get_by_text("太子湾公园", exact=True).click()
        page.get_by_role("button", name="保存为草稿").click()

        expect(page.get_by_text("太子湾公园 · 西湖区 · 西湖街道")).to_be_visible()
        draft = Suggestion.objects.get()
        assert draft.known_place.name == "太子湾公园"
    finally:
        context.close()


@pytest.mark.parametrize(("prefix", "typed"), [("", "xh"), ("/en", "park")])
def test_the_where_step_with_results_is_accessible(portal, pipe, prefix, typed):
    page = portal.page
    portal.goto(prefix + "/suggestions/new/")
    page.locator("#id_place_search").press_sequentially(typed, delay=30)
    expect(page.locator("#place-results label").first).to_be_visible()
    page.get_by_label("District" if prefix else "区县", exact=True).select_option(index=1)
    expect(page.locator("#street-field")).to_be_visible()

    assert portal.serious_accessibility_violations() == []
    assert not portal.overflows_sideways()
