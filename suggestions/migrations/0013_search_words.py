"""The words of each suggestion for similar suggestions and the search (suggestions/search.py),
written for the suggestions already there, and on PostgreSQL a GIN index of their tsvector."""

from django.db import migrations, models

# The expression of suggestions/search.py (_Vector): a query uses the index only if it is the
# same. Over words cut beforehand by jieba, 'simple' (no stemming, no stop words) matches them as
# they are. pg_trgm would also make trigrams of Chinese here (C.UTF-8), but a trigram of a
# two-character word is mostly padding: the words' full-text index is both smaller and exact.
INDEX = "suggestion_search_words"
CREATE = (
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON suggestions_suggestion "
    "USING gin (to_tsvector('simple'::regconfig, search_words))"
)
DROP = f"DROP INDEX IF EXISTS {INDEX}"
BATCH = 1000


def fill_words(apps, schema_editor):
    from suggestions.search import suggestion_words

    Suggestion = apps.get_model("suggestions", "Suggestion")
    rows = Suggestion.objects.only("title", "noticed", "proposal").order_by("pk")
    batch = []
    for suggestion in rows.iterator(chunk_size=BATCH):
        suggestion.search_words = suggestion_words(suggestion)
        batch.append(suggestion)
        if len(batch) == BATCH:
            Suggestion.objects.bulk_update(batch, ["search_words"])
            batch = []
    Suggestion.objects.bulk_update(batch, ["search_words"])


def index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def unindex(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("suggestions", "0012_place_correction"),
    ]

    operations = [
        migrations.AddField(
            model_name="suggestion",
            name="search_words",
            field=models.TextField(
                blank=True, default="", editable=False, verbose_name="search words"
            ),
        ),
        migrations.RunPython(fill_words, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(index, unindex),
    ]
