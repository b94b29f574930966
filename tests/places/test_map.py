"""The optional map: nothing of it without a tile service; with one, the public page draws the
places of its suggestions, and its Content-Security-Policy lets in the tile hosts only."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from places import services as place_services
from places.maps import map_config, tile_origins
from places.models import Division, DivisionLevel, Place, PlaceKind
from suggestions.models import Outcome, Suggestion
from suggestions.workflow import State
from tests.suggestions.factories import SuggestionFactory

pytestmark = pytest.mark.django_db

TIANDITU = "https://t{s}.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}&tk=KEY"


def _policy(response) -> dict[str, str]:
    """The response's Content-Security-Policy, directive by directive."""
    directives = response.headers["Content-Security-Policy"].split(";")
    return dict([*d.strip().split(" ", 1), ""][:2] for d in directives if d.strip())


def done(title, **fields):
    suggestion = SuggestionFactory(title=title, **fields)
    Suggestion.objects.filter(pk=suggestion.pk).update(
        state=State.IMPLEMENTED, closed_at=timezone.now()
    )
    Outcome.objects.create(
        suggestion=suggestion, description="修好了", completed_on=timezone.localdate()
    )
    return suggestion


@pytest.fixture
def listed():
    street = Division.objects.get(level=DivisionLevel.STREET, name="西湖街道")
    park = place_services.place_save(
        Place(
            name="太子湾公园",
            kind=PlaceKind.PARK,
            division=street,
            latitude=Decimal("30.23300"),
            longitude=Decimal("120.15000"),
        )
    )
    done("公园的滑梯", known_place=park, division=street)
    done("小区的路灯", division=street, latitude=Decimal("30.24"), longitude=Decimal("120.16"))
    done("没有地点的建议")


def test_without_a_tile_service_there_is_no_map_and_nothing_from_another_host(client, listed):
    assert map_config() is None
    response = client.get(reverse("implemented"))
    assert "data-map" not in response.text
    assert "leaflet" not in response.text
    assert _policy(response)["img-src"] == "'self' data:"
    # The overview by district is there all the same, with the place's district counted.
    overview = dict((str(d), n) for d, n in response.context["districts"])
    assert overview["西湖区"] == 2
    assert len(overview) == 13


def test_with_a_tile_service_the_page_draws_the_places_and_lets_in_its_hosts(
    client, listed, settings
):
    settings.MAP_TILE_URLS = [TIANDITU]
    settings.MAP_TILE_SUBDOMAINS = "01"
    settings.MAP_TILE_ATTRIBUTION = "天地图"
    response = client.get(reverse("implemented"))
    assert 'data-map="map-config"' in response.text
    assert "vendor/leaflet/leaflet.js" in response.text
    markers = {m["title"]: (m["lat"], m["lng"]) for m in response.context["markers"]}
    assert markers == {"公园的滑梯": (30.233, 120.15), "小区的路灯": (30.24, 120.16)}
    policy = _policy(response)
    assert policy["img-src"].split() == [
        "'self'",
        "data:",
        "https://t0.tianditu.gov.cn",
        "https://t1.tianditu.gov.cn",
    ]
    # Only images may come from there.
    assert [d for d, sources in policy.items() if "tianditu" in sources] == ["img-src"]


def test_tile_origins_expand_the_subdomains_and_ignore_what_is_not_a_web_address(settings):
    settings.MAP_TILE_URLS = [TIANDITU, "http://127.0.0.1:8123/{z}/{x}/{y}.png", "javascript:x"]
    settings.MAP_TILE_SUBDOMAINS = "ab"
    assert tile_origins() == [
        "http://127.0.0.1:8123",
        "https://ta.tianditu.gov.cn",
        "https://tb.tianditu.gov.cn",
    ]
