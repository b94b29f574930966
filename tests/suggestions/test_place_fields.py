"""A suggestion's place as the portal knows places: a known place gives its division; a place
an office has retired is not taken for a new choice."""

import pytest
from django.core.exceptions import ValidationError

from groups.models import Role
from places import services as place_services
from places.models import Division, DivisionLevel, Place, PlaceKind
from suggestions import services
from suggestions.models import Suggestion
from tests.groups.factories import ChildFactory, UserFactory

pytestmark = pytest.mark.django_db


def _park(name="太子湾公园", retired=False):
    street = Division.objects.get(level=DivisionLevel.STREET, name="西湖街道")
    return place_services.place_save(
        Place(name=name, kind=PlaceKind.PARK, division=street, retired=retired)
    )


def test_a_known_place_gives_the_suggestion_its_division():
    park = _park()
    suggestion = services.suggestion_create(
        child=ChildFactory(), submit=False, title="公园的滑梯坏了", known_place=park
    )
    suggestion.refresh_from_db()
    assert suggestion.division == park.division


def test_a_retired_place_is_refused_and_nothing_is_written():
    child = ChildFactory()
    with pytest.raises(ValidationError) as refused:
        services.suggestion_create(
            child=child, submit=False, title="公园的滑梯坏了", known_place=_park(retired=True)
        )
    assert "known_place" in refused.value.message_dict
    assert not Suggestion.objects.filter(child=child).exists()


def test_a_place_retired_after_it_was_chosen_stays_on_the_draft():
    park = _park()
    child = ChildFactory(user=UserFactory(role=Role.CHILD))
    draft = services.suggestion_create(
        child=child, submit=False, title="公园的滑梯坏了", known_place=park
    )
    Place.objects.filter(pk=park.pk).update(retired=True)
    services.suggestion_update(
        suggestion=draft, user=child.user, submit=False, expected_version=None, title="滑梯坏了"
    )
    draft.refresh_from_db()
    assert (draft.title, draft.known_place) == ("滑梯坏了", park)
