"""The optional map: off unless an office configures a tile service.

With no `MAP_TILE_URLS` no page draws a map or asks another host for anything; the pages show
the same places as lists and the district overview. With them (Tianditu, say, with the office's
key), the pages that show places add a Leaflet map (vendored under static/vendor/leaflet), and
the response's Content-Security-Policy lets images come from the tile hosts, and only those.
"""

from urllib.parse import urlsplit

from django.conf import settings

# Where the map opens: the centre of Hangzhou's main districts.
CENTRE = (30.274, 120.155)
ZOOM = 11


def map_config() -> dict | None:
    """What the page's script needs to draw the map, or None when no tile service is set."""
    urls = [url for url in settings.MAP_TILE_URLS if url]
    if not urls:
        return None
    return {
        "layers": urls,
        "subdomains": settings.MAP_TILE_SUBDOMAINS,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "centre": CENTRE,
        "zoom": ZOOM,
    }


def tile_origins() -> list[str]:
    """The hosts the tiles come from: `{s}` in a template is each of the subdomains."""
    origins = set()
    for url in settings.MAP_TILE_URLS:
        subdomains = settings.MAP_TILE_SUBDOMAINS if "{s}" in url else ""
        for sub in subdomains or [""]:
            parts = urlsplit(url.replace("{s}", sub))
            if parts.scheme in ("http", "https") and parts.netloc:
                origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)


def allow_tiles(response):
    """Let this response's page load the map's tiles (nothing changes without a map)."""
    origins = tile_origins()
    if origins:
        response._csp_update = {"img-src": origins}
    return response
