"""Reads of places: the division cascade and the search as you type."""

from django.db.models import Q, QuerySet
from django.db.models.functions import Length

from .models import Division, DivisionLevel, Place, PlaceSearchKey

SEARCH_LIMIT = 10
SEARCH_MIN_LENGTH = 1
SEARCH_MAX_LENGTH = 40


def divisions_under(parent: Division | None) -> QuerySet[Division]:
    """The districts (parent None), or the streets of a district, or the communities of a street."""
    if parent is None:
        return Division.objects.filter(level=DivisionLevel.DISTRICT)
    return Division.objects.filter(parent=parent)


def within(field: str, division: Division) -> Q:
    """A filter: the division at the path `field` is this one or lies in it (a community in a
    street in a district: two steps up at most)."""
    return (
        Q(**{field: division})
        | Q(**{f"{field}__parent": division})
        | Q(**{f"{field}__parent__parent": division})
    )


def search_query(text: str) -> str:
    """What a search matches: lower case, without spaces, at most SEARCH_MAX_LENGTH long."""
    return "".join(text.lower().split())[:SEARCH_MAX_LENGTH]


def places_matching(text: str) -> QuerySet[Place]:
    """Known places whose name, pinyin or pinyin initials contain what was typed; shortest
    names first. One query, whatever the number of places: a prefix search on the keys' index."""
    query = search_query(text)
    if len(query) < SEARCH_MIN_LENGTH:
        return Place.objects.none()
    matching = PlaceSearchKey.objects.filter(key__startswith=query).values("place_id")
    return (
        Place.objects.filter(pk__in=matching, retired=False)
        .select_related("division__parent__parent")
        .order_by(Length("name"), "name", "pk")
    )


def places_search(text: str, *, limit: int = SEARCH_LIMIT) -> list[Place]:
    """The first few places_matching: what the form offers as the child types."""
    return list(places_matching(text)[:limit])


def places_near(division: Division | None, *, limit: int = SEARCH_LIMIT) -> list[Place]:
    """Known places in a division and the divisions in it (near a child's school)."""
    if division is None:
        return []
    return list(
        Place.objects.filter(retired=False)
        .filter(Q(division=division) | Q(division__parent=division))
        .select_related("division__parent__parent")
        .order_by(Length("name"), "name", "pk")[:limit]
    )
