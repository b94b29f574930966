"""The optional map in chromium, against a stand-in tile server on 127.0.0.1 that this test
starts (the real tile service, Tianditu, cannot be reached from here): the tiles load under the
page's policy, the markers are there and reachable with the keyboard, axe finds nothing serious,
and without a tile service the page asks no other host for anything."""

import io
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from PIL import Image

from places import services as place_services
from places.models import Division, DivisionLevel, Place, PlaceKind
from suggestions.models import Outcome, Suggestion
from suggestions.workflow import State
from tests.browser.test_csp import RECORD_VIOLATIONS
from tests.suggestions.factories import SuggestionFactory

pytestmark = pytest.mark.browser


def _tile() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), (220, 235, 220)).save(out, "PNG")
    return out.getvalue()


class TileServer(ThreadingHTTPServer):
    """Answers every GET with the same light green tile, and counts them."""

    daemon_threads = True

    def __init__(self):
        tile, server = _tile(), self
        self.served = 0

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.served += 1
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(tile)))
                self.end_headers()
                self.wfile.write(tile)

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.fixture
def tiles():
    server = TileServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _implemented(title, **fields):
    suggestion = SuggestionFactory(title=title, **fields)
    Suggestion.objects.filter(pk=suggestion.pk).update(
        state=State.IMPLEMENTED, closed_at=timezone.now()
    )
    Outcome.objects.create(
        suggestion=suggestion, description="修好了", completed_on=timezone.localdate()
    )


@pytest.fixture
def places_done(portal):
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
    _implemented("公园的滑梯修好了", known_place=park, division=street)
    _implemented(
        "路灯亮了", division=street, latitude=Decimal("30.24"), longitude=Decimal("120.16")
    )
    return portal


def test_the_public_map_draws_from_the_tile_service_under_the_policy(places_done, tiles, settings):
    portal = places_done
    settings.MAP_TILE_URLS = [f"http://127.0.0.1:{tiles.server_port}/{{z}}/{{x}}/{{y}}.png"]
    settings.MAP_TILE_ATTRIBUTION = "Stand-in tiles"
    portal.page.add_init_script(RECORD_VIOLATIONS)
    portal.page.set_viewport_size({"width": 390, "height": 844})
    portal.goto("/you-said-we-did/")
    portal.page.wait_for_load_state("networkidle")

    assert tiles.served > 0
    assert portal.page.evaluate("window.cspViolations") == []
    markers = portal.page.locator(".leaflet-marker-icon")
    assert markers.count() == 2
    assert sorted(markers.evaluate_all("ms => ms.map(m => m.getAttribute('title'))")) == [
        "公园的滑梯修好了",
        "路灯亮了",
    ]
    # A marker is reached with the Tab key and opens its popup with Enter.
    markers.first.focus()
    portal.page.keyboard.press("Enter")
    assert portal.page.locator(".leaflet-popup-content").inner_text() in {
        "公园的滑梯修好了",
        "路灯亮了",
    }
    assert portal.serious_accessibility_violations() == []
    # The only other host asked is the tile service the office set.
    assert {u.split("/")[2] for u in portal.foreign_requests()} == {
        f"127.0.0.1:{tiles.server_port}"
    }


def test_without_a_tile_service_the_page_shows_the_district_overview_only(places_done):
    portal = places_done
    assert portal.problems("/you-said-we-did/") == []
    assert portal.page.locator(".leaflet-container").count() == 0
    assert portal.page.locator(".district-overview li").count() == 13
