"""Hangzhou's divisions in the test database."""

import importlib


def divisions_ensure():
    """Hangzhou's divisions are reference data a migration loads, and every test may expect
    them; a flush (after a transactional test, or the browser tests' _flush) empties them too:
    load them again, as the migration does."""
    from django.apps import apps

    from places.models import Division

    if not Division.objects.exists():
        importlib.import_module("places.migrations.0002_hangzhou_divisions").load(apps, None)
