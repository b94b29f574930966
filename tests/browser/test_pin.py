"""The child's pin on the optional map, in chromium on a phone, against the stand-in tile server
of test_map.py: a tap puts the pin down, the keyboard's button does too, and the draft keeps it."""

import pytest

from suggestions.models import Suggestion
from tests.browser.test_csp import RECORD_VIOLATIONS
from tests.browser.test_map import tiles  # noqa: F401  (the stand-in tile server)
from tests.suggestions.factories import Pipeline

pytestmark = pytest.mark.browser


@pytest.fixture
def child_on_the_form(portal, tiles, settings):  # noqa: F811
    settings.MAP_TILE_URLS = [f"http://127.0.0.1:{tiles.server_port}/{{z}}/{{x}}/{{y}}.png"]
    pipe = Pipeline()
    portal.log_in_as(pipe.child_user)
    portal.page.add_init_script(RECORD_VIOLATIONS)
    portal.page.set_viewport_size({"width": 390, "height": 844})
    portal.goto("/en/suggestions/new/")
    portal.page.wait_for_load_state("networkidle")
    return portal


def test_a_tap_on_the_map_puts_the_pin_down_and_the_draft_keeps_it(child_on_the_form, tiles):  # noqa: F811
    page = child_on_the_form.page
    assert tiles.served > 0
    box = page.locator(".map-pick .map")
    box.scroll_into_view_if_needed()
    box.click(position={"x": 120, "y": 100})
    latitude = page.locator("#id_latitude").input_value()
    longitude = page.locator("#id_longitude").input_value()
    assert latitude and longitude
    assert page.locator(".map-pick .leaflet-marker-icon").count() == 1

    page.get_by_label("Title").fill("A broken bench")
    page.get_by_role("button", name="Keep as a draft").click()
    page.wait_for_load_state("networkidle")
    saved = Suggestion.objects.get()
    assert (str(saved.latitude), str(saved.longitude)) == (latitude, longitude)
    assert page.evaluate("window.cspViolations") == []


def test_the_keyboard_puts_the_pin_in_the_middle_and_axe_finds_nothing_serious(
    child_on_the_form,
):
    page = child_on_the_form.page
    button = page.get_by_role("button", name="Put the pin in the middle")
    button.focus()
    page.keyboard.press("Enter")
    latitude = float(page.locator("#id_latitude").input_value())
    longitude = float(page.locator("#id_longitude").input_value())
    # The map opens on the city's centre (places/maps.py CENTRE).
    assert (round(latitude, 2), round(longitude, 2)) == (30.27, 120.16)
    assert child_on_the_form.serious_accessibility_violations() == []
    assert not child_on_the_form.overflows_sideways()
