"""The watch that searches the whole test run for real names (tests/realnames.py) can fail."""

import logging

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory
from django.urls import reverse

from groups.models import ChildPersonalData
from privacy.models import AccessPurpose
from tests import realnames
from tests.groups.factories import AdminFactory, ChildFactory

pytestmark = pytest.mark.django_db

NAME = "司马小桐"


@pytest.fixture
def record():
    return ChildPersonalData.objects.create(child=ChildFactory(), real_name=NAME)


def served(body, path="/en/activities/", streaming=False):
    request = RequestFactory().get(path)
    request.user = AnonymousUser()
    response = StreamingHttpResponse(iter([body.encode()])) if streaming else HttpResponse(body)
    watched = realnames.RealNameWatch(lambda request: response)(request)
    if streaming:
        b"".join(watched.streaming_content)
    return realnames.take_leaks()


def test_a_saved_real_name_is_caught_in_a_page_as_text_json_escape_or_url(record):
    assert served(f"<p>{NAME}</p>") == [f"GET /en/activities/: {NAME}"]
    assert served('{"name": "\\u53f8\\u9a6c\\u5c0f\\u6850"}')
    assert served("<a href='/?q=%E5%8F%B8%E9%A9%AC%E5%B0%8F%E6%A1%90'>")
    assert served(f"{NAME}", streaming=True)
    assert served("<p>小星1</p>") == []


def test_the_demo_names_are_known_before_the_demo_is_loaded():
    assert served("<p>王雨桐</p>")


def test_a_real_name_in_a_log_record_is_caught(record):
    logging.getLogger("suggestions").info("routing %s", NAME)

    assert realnames.take_leaks() == [f"log suggestions: {NAME}"]


def test_the_entitled_admin_on_the_personal_record_page_is_not_a_leak(client, record):
    admin = AdminFactory(is_superuser=False)
    admin.user_permissions.add(Permission.objects.get(codename="view_childpersonaldata"))
    client.force_login(admin)

    response = client.post(
        reverse("personal_record", args=[record.child_id]), {"purpose": AccessPurpose.CONTACT}
    )

    assert NAME in response.text
    assert realnames.take_leaks() == []
