// The optional map (places/maps.py), drawn with the vendored Leaflet only where an office set a
// tile service. Each map is an element with data-map naming a <script type="application/json">
// element holding {"layers": [url templates], "subdomains", "attribution", "centre", "zoom"}.
// - data-markers names another such element: [{"lat", "lng", "title"}] drawn as markers, each
//   reachable with the Tab key (Leaflet's keyboard markers); the page lists the same places.
// - data-pick="<latitude input id> <longitude input id>": a click on the map, or the button
//   [data-pin-centre] for keyboard users, puts the pin there and fills the two inputs.
(function () {
  "use strict";
  if (typeof L === "undefined") {
    return;
  }
  function data(id) {
    var element = id && document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }
  document.querySelectorAll("[data-map]").forEach(function (box) {
    var config = data(box.getAttribute("data-map"));
    if (!config) {
      return;
    }
    box.hidden = false;
    var map = L.map(box, { keyboard: true }).setView(config.centre, config.zoom);
    config.layers.forEach(function (url) {
      L.tileLayer(url, {
        subdomains: config.subdomains || "abc",
        attribution: config.attribution,
        maxZoom: 18,
      }).addTo(map);
    });
    var points = [];
    (data(box.getAttribute("data-markers")) || []).forEach(function (place) {
      L.marker([place.lat, place.lng], { title: place.title, alt: place.title, keyboard: true })
        .bindPopup(document.createTextNode(place.title))
        .addTo(map);
      points.push([place.lat, place.lng]);
    });
    if (points.length) {
      map.fitBounds(points, { maxZoom: 15, padding: [24, 24] });
    }
    var pick = (box.getAttribute("data-pick") || "").split(" ");
    var latitude = document.getElementById(pick[0]);
    var longitude = document.getElementById(pick[1]);
    if (!latitude || !longitude) {
      return;
    }
    var pin = null;
    function place(at) {
      var lat = at.lat.toFixed(5);
      var lng = at.lng.toFixed(5);
      latitude.value = lat;
      longitude.value = lng;
      if (pin) {
        pin.setLatLng(at);
      } else {
        pin = L.marker(at, { keyboard: false }).addTo(map);
      }
      latitude.dispatchEvent(new Event("change", { bubbles: true }));
    }
    if (latitude.value && longitude.value) {
      var start = L.latLng(parseFloat(latitude.value), parseFloat(longitude.value));
      place(start);
      map.setView(start, 16);
    }
    map.on("click", function (event) {
      place(event.latlng);
    });
    document.querySelectorAll("[data-pin-centre]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        place(map.getCenter());
      });
    });
  });
})();
