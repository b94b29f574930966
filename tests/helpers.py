"""Helpers the tests of several apps share."""

import io
import time

import pytest
from django.urls import reverse
from django.utils import translation
from PIL import Image


def wait_for(predicate, *, timeout: float = 60, interval: float = 0.2):
    """Poll until predicate() is truthy; return its value, or fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"gave up waiting after {timeout} s")


def url(name, language="en", **kwargs):
    """The address of a named page in a language (English unless told)."""
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


def suggestion_form_data(pipe, **overrides):
    """What a child types into the new suggestion form (tests/suggestions/factories.Pipeline)."""
    return {
        "title": "学校门口需要斑马线",
        "noticed": "放学时车很多。",
        "proposal": "画一条斑马线。",
        "place": "文三街小学南门",
        "focus_area": pipe.focus_area.pk,
        "role": "safety_promoter",
        **overrides,
    }


def photo_bytes(format="JPEG", size=(40, 30), exif=True):
    """A small photo, with a GPS location and a camera maker in its EXIF unless told not."""
    image = Image.new("RGB", size, "orange")
    out = io.BytesIO()
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x8825] = {2: (30, 15, 0), 4: (120, 10, 0)}  # GPSInfo: latitude, longitude
        data[0x010F] = "PhoneMaker"
        kwargs["exif"] = data
    image.save(out, format=format, **kwargs)
    return out.getvalue()


def read_without_writing(suggestions, username):
    """The suggestions whose page `username` opens without changing what another page shows:
    none of them has an unread notification to them (opening a suggestion reads its own). For
    the browser tests that share one demo (read_only_demo): each must leave it as it found it."""
    from django.db.models import Exists, OuterRef

    from suggestions.models import Notification

    unread = Notification.objects.filter(
        suggestion=OuterRef("pk"), recipient__username=username, read_at__isnull=True
    )
    return suggestions.exclude(Exists(unread))
