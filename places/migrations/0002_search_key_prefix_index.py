"""An index for the search as you type on PostgreSQL: the keys in byte order ("C" collation,
whatever the database's), with the place, so that a prefix finds its first keys in order from
the index alone (places.selectors.places_search). SQLite has no "C" collation, and needs none:
its default order is byte order already."""

from django.db import migrations

CREATE = (
    'CREATE INDEX place_search_key_prefix ON places_placesearchkey ((key COLLATE "C"), place_id)'
)
DROP = "DROP INDEX IF EXISTS place_search_key_prefix"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("places", "0001_divisions_and_places")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
