"""Load Hangzhou's districts, streets and communities from the vendored division codes."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "hangzhou-divisions.csv"


def load(apps, schema_editor):
    Division = apps.get_model("places", "Division")
    with open(DATA, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    ids = {}
    # Districts, then streets, then communities: each parent exists before its children.
    for level in ("district", "street", "community"):
        batch = [
            Division(
                code=row["code"],
                level=level,
                parent_id=ids[row["parent"]] if row["parent"] else None,
                name=row["name"],
                name_en=row["name_en"],
            )
            for row in rows
            if row["level"] == level
        ]
        Division.objects.bulk_create(batch, batch_size=1000)
        ids.update(
            Division.objects.filter(level=level).values_list("code", "pk").iterator()
        )


def unload(apps, schema_editor):
    Division = apps.get_model("places", "Division")
    for level in ("community", "street", "district"):
        Division.objects.filter(level=level).delete()


class Migration(migrations.Migration):
    dependencies = [("places", "0001_divisions_and_places")]
    operations = [migrations.RunPython(load, unload)]
