"""The annual report counts suggestions by the district where the problem was."""

import pytest
from django.utils import timezone, translation

from places import services as place_services
from places.models import Division, DivisionLevel, Place, PlaceKind
from reports.figures import year_figures
from suggestions.workflow import State
from tests.suggestions.factories import SuggestionFactory

pytestmark = pytest.mark.django_db


def sent(**fields):
    return SuggestionFactory(state=State.AT_SCHOOL, submitted_at=timezone.now(), **fields)


def test_suggestions_by_district_go_by_the_place_then_the_school():
    beishan = Division.objects.get(level=DivisionLevel.STREET, name="北山街道")
    sent(division=beishan)  # a street of 西湖区
    sent(division=beishan.children.first())  # a community in it
    sent(division=Division.objects.get(level=DivisionLevel.DISTRICT, name="滨江区"))
    from_school = sent()  # no place: its school's place, in 上城区
    place_services.place_save(
        Place(
            name="湖滨的小学",
            kind=PlaceKind.SCHOOL,
            division=Division.objects.get(level=DivisionLevel.STREET, name="湖滨街道"),
            organisation=from_school.child.school,
        )
    )
    no_place = sent()  # neither: its school's district, as before
    school_district = no_place.child.school.district.name

    with translation.override("zh-hans"):
        rows = year_figures(timezone.localdate().year).table("suggestions_by_district").rows
    assert sorted(rows) == sorted(
        [["西湖区", 2], ["滨江区", 1], ["上城区", 1], [school_district, 1]]
    )
    with translation.override("en"):
        english = year_figures(timezone.localdate().year).table("suggestions_by_district")
    assert ["Xihu District", 2] in english.rows
