"""Writes of places: the divisions loaded from the vendored codes; a known place saved with
the keys its search matches."""

import csv
from itertools import islice, product
from pathlib import Path

from django.db import connections, transaction
from pypinyin import Style, pinyin

from .models import Division, Place, PlaceSearchKey

DIVISIONS_FILE = Path(__file__).resolve().parent / "data" / "hangzhou-divisions.csv"


def divisions_load(*, using: str = "default", model=Division) -> int:
    """Load Hangzhou's divisions from places/data/ when the table is empty; how many were.

    Runs after every `migrate` and `flush` (the post_migrate signal, as Django's own content
    types do), so that a new database, and a test database emptied between tests, has them.
    A division's id is its statistical code: one insert, no lookups, and the same ids on
    every database. A migration that needs them sooner passes its historical `model`."""
    if model._meta.db_table not in connections[using].introspection.table_names():
        return 0  # migrated back to before the table
    if model.objects.using(using).exists():
        return 0
    with open(DIVISIONS_FILE, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    model.objects.using(using).bulk_create(
        [
            model(
                id=int(row["code"]),
                code=row["code"],
                level=row["level"],
                parent_id=int(row["parent"]) if row["parent"] else None,
                name=row["name"],
                name_en=row["name_en"],
            )
            for row in rows
        ],
        batch_size=2000,
    )
    return len(rows)


KEY_LENGTH = PlaceSearchKey._meta.get_field("key").max_length


# A character read two ways (长: chang or zhang) gives a name two spellings; a name of many
# such characters would give too many, so only the first few readings count.
READINGS_PER_NAME = 8


def search_keys(name: str) -> set[str]:
    """Every ending of the name, and of its pinyin initials and spelling from each syllable
    (西湖文化广场: 湖文化广场 …, xhwhgc, whgc …, xihuwenhuaguangchang, wenhuaguangchang …),
    for each way of reading it (天长小学: tcxx and tzxx)."""
    name = "".join(name.lower().split())
    keys = {name[i:] for i in range(len(name))}
    readings = pinyin(name, style=Style.NORMAL, heteronym=True, errors="default")
    for syllables in islice(product(*readings), READINGS_PER_NAME):
        syllables = [s for s in syllables if s.strip()]
        initials = [s[0] for s in syllables]
        for i in range(len(syllables)):
            keys.add("".join(syllables[i:]))
            keys.add("".join(initials[i:]))
    return {key[:KEY_LENGTH] for key in keys if key}


def place_keys_write(places: list[Place]) -> None:
    """Write the search keys of these places anew (after a create, a rename, an import)."""
    PlaceSearchKey.objects.filter(place__in=places).delete()
    PlaceSearchKey.objects.bulk_create(
        [
            PlaceSearchKey(place=place, key=key)
            for place in places
            for key in sorted(search_keys(place.name) | search_keys(place.name_en))
        ],
        batch_size=2000,
    )


@transaction.atomic
def place_save(place: Place) -> Place:
    """Check and save a known place, and the keys its search matches."""
    place.full_clean()
    place.save()
    place_keys_write([place])
    return place
