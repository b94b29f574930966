"""Reads of places: the division cascade and the search as you type."""

from django.db import connection
from django.db.models import BooleanField, F, Func, Q, QuerySet
from django.db.models.functions import Collate, Length

from .models import Division, DivisionLevel, Place, PlaceSearchKey

SEARCH_LIMIT = 10
SEARCH_MIN_LENGTH = 1
SEARCH_MAX_LENGTH = 40
# A search as you type ranks the places of at most this many keys: the first from what was
# typed in byte order (a key equal to it first). One letter is the start of tens of thousands
# of keys among 50,000 places; reading them all to rank them would grow with the places.
SEARCH_CANDIDATES = 200


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


def _first_keys(query: str) -> QuerySet[PlaceSearchKey]:
    """The places of the first SEARCH_CANDIDATES keys that start with the query, in byte order:
    on PostgreSQL the index place_search_key_prefix (places/migrations/0002) gives the range
    and its order, whatever the database's collation."""
    keys = PlaceSearchKey.objects.all()
    if connection.vendor == "postgresql":
        keys = keys.alias(prefix=Collate("key", "C")).filter(prefix__startswith=query)
        keys = keys.order_by("prefix")
    else:
        keys = keys.filter(key__startswith=query).order_by("key")
    return keys.values("place_id")[:SEARCH_CANDIDATES]


def _one_of(place_ids: QuerySet) -> Q | Func:
    """A filter: the place's id is one of those the subquery gives. On PostgreSQL as
    `id = ANY(ARRAY(…))`: the few ids are read first, then each place by its primary key (an
    `IN (…)` would let the planner read every place to join them instead)."""
    if connection.vendor != "postgresql":
        return Q(pk__in=place_ids)
    from django.contrib.postgres.expressions import ArraySubquery

    return Func(
        F("pk"),
        ArraySubquery(place_ids),
        template="%(expressions)s)",
        arg_joiner=" = ANY(",
        output_field=BooleanField(),
    )


def places_search(text: str, *, limit: int = SEARCH_LIMIT) -> list[Place]:
    """Known places whose name, pinyin or pinyin initials contain what was typed (a prefix of
    one of their search keys), shortest names first: those among the first SEARCH_CANDIDATES
    keys (all of them, unless what was typed starts more keys than that). What the form offers
    as the child types, and the API's search. One query, whose work does not grow with the
    places."""
    query = search_query(text)
    if len(query) < SEARCH_MIN_LENGTH:
        return []
    order = (Length("name"), "name", "pk")
    first = (
        Place.objects.filter(_one_of(_first_keys(query)), retired=False)
        .order_by(*order)
        .values("pk")[:limit]
    )
    return list(
        Place.objects.filter(pk__in=first)
        .select_related("division__parent__parent")
        .order_by(*order)
    )


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
