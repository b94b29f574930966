"""The optional map's pin on the child's form: offered only when an office set a tile service,
saved when it is inside the city, refused in a child's words otherwise, with everything kept."""

import pytest

from suggestions.models import Suggestion
from tests.suggestions.test_child_form import complete, url

from .factories import Pipeline

pytestmark = pytest.mark.django_db

TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"


@pytest.fixture
def child(client):
    pipe = Pipeline()
    client.force_login(pipe.child_user)
    client.pipe = pipe
    return client


@pytest.fixture
def with_map(settings):
    settings.MAP_TILE_URLS = [TILES]


def test_without_a_tile_service_the_form_has_no_map(child):
    page = child.get(url("suggestion_new", "zh-hans")).text
    assert "data-map" not in page and "leaflet" not in page
    # The pin's inputs are kept all the same, so a pin given through the API is not lost.
    assert 'name="latitude"' in page


def test_with_a_tile_service_the_form_offers_a_pin_and_lets_in_the_tiles(child, with_map):
    response = child.get(url("suggestion_new", "zh-hans"))
    page = response.text
    assert 'data-pick="id_latitude id_longitude"' in page
    assert "把图钉放在中间" in page
    assert "http://127.0.0.1:9" in response.headers["Content-Security-Policy"]


def test_a_pin_in_the_city_is_saved_with_the_draft(child, with_map):
    response = child.post(
        url("suggestion_new", "zh-hans"),
        complete(child.pipe, latitude="30.24310", longitude="120.15020"),
    )
    assert response.status_code == 302
    saved = Suggestion.objects.get()
    assert (str(saved.latitude), str(saved.longitude)) == ("30.24310", "120.15020")


@pytest.mark.parametrize(
    ("pin", "message"),
    [
        ({"latitude": "31.23000", "longitude": "121.47000"}, "这个图钉在杭州外面了"),
        ({"latitude": "30.24310", "longitude": ""}, "图钉没有放好"),
        ({"latitude": "", "longitude": "120.15"}, "图钉没有放好"),
    ],
)
def test_a_pin_outside_the_city_or_half_put_down_is_refused_and_all_is_kept(
    child, with_map, pin, message
):
    typed = complete(child.pipe, **pin)
    response = child.post(url("suggestion_new", "zh-hans"), {**typed, "submit": "1"})
    page = response.text
    assert response.status_code == 200
    assert message in page
    assert "这个页面已经过时了" not in page
    assert "#step-place" in page
    assert typed["noticed"] in page
    assert not Suggestion.objects.exists()
