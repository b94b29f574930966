"""The page on which an activity's organiser records the children's suggestions (issue 21)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from suggestions.models import Suggestion
from tests.helpers import url
from tests.suggestions.test_on_behalf import Scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    return Scene()


def form_data(scene, rows, **head):
    data = {
        "source": "写在 5 月 12 日活动的纸上",
        "topic": scene.topic.pk,
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "1",
        "form-MAX_NUM_FORMS": "20",
        **head,
    }
    for index, row in enumerate(rows):
        fields = {
            "title": "地下通道太暗",
            "noticed": "晚上很黑。",
            "proposal": "装灯。",
            "place": "文一路",
            "focus_area": scene.focus_area.pk,
            "role": "safety_promoter",
            **row,
        }
        data.update({f"form-{index}-{name}": value for name, value in fields.items()})
    return data


@pytest.mark.parametrize(
    ("language", "heading"),
    [("zh-hans", "记录孩子们的建议"), ("en", "Record the children's suggestions")],
)
def test_the_page_offers_the_groups_children_in_both_languages(client, scene, language, heading):
    client.force_login(scene.mentor)

    response = client.get(url("activity_suggestions_record", language, pk=scene.activity.pk))

    html = response.content.decode()
    assert response.status_code == 200
    assert heading in html
    assert scene.a.pseudonym in html and scene.c.pseudonym in html
    assert scene.outsider.pseudonym not in html


def test_the_activity_page_links_to_it_for_its_organiser_only(client, scene):
    address = url("activity_suggestions_record", pk=scene.activity.pk)
    client.force_login(scene.mentor)
    assert address in client.get(url("activity_detail", pk=scene.activity.pk)).content.decode()
    client.force_login(scene.a.user)
    assert address not in client.get(url("activity_detail", pk=scene.activity.pk)).content.decode()
    assert client.get(address).status_code == 403


def test_two_suggestions_are_recorded_and_sent(client, scene):
    client.force_login(scene.mentor)
    rows = [
        {"title": "给A和B的", "children": [scene.a.pk, scene.b.pk]},
        {"title": "全组的", "whole_group": "on"},
    ]

    response = client.post(
        url("activity_suggestions_record", pk=scene.activity.pk), form_data(scene, rows)
    )

    assert response.status_code == 302
    assert set(Suggestion.objects.values_list("title", "state")) == {
        ("给A和B的", "submitted"),
        ("全组的", "submitted"),
    }


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_child_without_consent_is_refused_and_what_was_typed_is_kept(client, scene, language):
    client.force_login(scene.mentor)
    rows = [
        {"title": "第一条", "children": [scene.a.pk]},
        {"title": "第二条 <b>", "children": [scene.c.pk]},
    ]

    response = client.post(
        url("activity_suggestions_record", language, pk=scene.activity.pk), form_data(scene, rows)
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert scene.c.pseudonym in html
    assert "第一条" in html and "第二条 &lt;b&gt;" in html
    assert not Suggestion.objects.exists()


def test_a_scan_that_is_not_a_photo_or_pdf_is_refused_on_the_page(client, scene):
    client.force_login(scene.mentor)
    data = form_data(scene, [{"children": [scene.a.pk]}])
    data["form-0-scan"] = SimpleUploadedFile("scan.jpg", b"MZ not an image")

    response = client.post(url("activity_suggestions_record", pk=scene.activity.pk), data)

    assert response.status_code == 200
    assert "not a photo or a PDF" in response.content.decode()
    assert not Suggestion.objects.exists()


def test_a_row_naming_nobody_is_refused_on_the_page(client, scene):
    client.force_login(scene.mentor)

    response = client.post(
        url("activity_suggestions_record", pk=scene.activity.pk), form_data(scene, [{}])
    )

    assert response.status_code == 200
    assert "Name at least one child" in response.content.decode()
    assert not Suggestion.objects.exists()
