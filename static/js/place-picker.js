// The "where" step of the child's form (templates/suggestions/includes/where_step.html), made
// quicker: known places are found as the child types, and choosing a district or a street
// fills the next select, without sending the form. Without this script the "find" buttons do
// the same by sending the form to be shown again. The words are in the page's data-* attributes,
// in the page's language; the answers come from places/views.py.
(function () {
  "use strict";
  var root = document.getElementById("where");
  if (!root || !window.fetch) {
    return;
  }
  var form = root.closest("form");
  var search = document.getElementById("id_place_search");
  var findButton = document.getElementById("find-place");
  var results = document.getElementById("place-results");
  var status = document.getElementById("place-results-status");
  var none = root.querySelector(".place-none");
  var district = document.getElementById("id_district");
  var street = document.getElementById("id_street");
  var community = document.getElementById("id_community");
  var chosen = document.getElementById("where-chosen");
  var chosenName = document.getElementById("where-chosen-name");
  var WAIT_MS = 250;
  var timer = null;
  var asked = 0;

  function icon(kind) {
    var template = document.getElementById("place-icon-" + kind) ||
      document.getElementById("place-icon-other");
    return template ? template.content.cloneNode(true) : document.createTextNode("");
  }

  function span(className, text) {
    var element = document.createElement("span");
    element.className = className;
    element.textContent = text;
    return element;
  }

  // One radio button as the server draws it (includes/place_choice.html).
  function card(place) {
    var label = document.createElement("label");
    label.className = "card place-card";
    label.htmlFor = "place-found-" + place.id;
    var radio = document.createElement("input");
    radio.type = "radio";
    radio.name = "known_place";
    radio.value = String(place.id);
    radio.id = label.htmlFor;
    radio.dataset.fullName = place.name + " · " + place.division;
    var iconBox = span("card-icon", "");
    iconBox.appendChild(icon(place.kind_code));
    var text = span("card-text", "");
    text.appendChild(span("card-name", place.name));
    text.appendChild(document.createTextNode(" "));
    text.appendChild(span("card-line", place.kind + " · " + place.division));
    label.appendChild(radio);
    label.appendChild(iconBox);
    label.appendChild(text);
    return label;
  }

  function say(text) {
    status.textContent = text;
  }

  function show(places) {
    // A place chosen from these results stays chosen, and on the list, whatever is typed next.
    var checked = results.querySelector("input:checked");
    var keep = checked ? checked.closest("label") : null;
    results.replaceChildren();
    if (keep) {
      results.appendChild(keep);
    }
    places.forEach(function (place) {
      if (!keep || String(place.id) !== checked.value) {
        results.appendChild(card(place));
      }
    });
    if (places.length === 0) {
      say(root.dataset.foundNone);
    } else if (places.length === 1) {
      say(root.dataset.foundOne);
    } else {
      say(root.dataset.foundMany.replace("{count}", String(places.length)));
    }
    if (none && places.length) {
      none.hidden = false;
    }
  }

  function find() {
    window.clearTimeout(timer);
    var text = search.value.trim();
    var mine = ++asked;
    if (!text) {
      say("");
      return;
    }
    say(root.dataset.searching);
    var url = root.dataset.searchUrl + "?q=" + encodeURIComponent(text.slice(0, 40));
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (places) {
        if (mine === asked) {
          show(places);
        }
      })
      .catch(function () {
        if (mine === asked) {
          say(root.dataset.failed);
        }
      });
  }

  search.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(find, WAIT_MS);
  });
  // "Find it" and the Enter key search here, without sending the form.
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      find();
    }
  });
  findButton.addEventListener("click", function (event) {
    event.preventDefault();
    find();
  });

  // The cascade: each select fills the next one; the "show" buttons are not needed.
  root.querySelectorAll(".find-next").forEach(function (button) {
    button.hidden = true;
  });

  function fill(select, field, parentId) {
    select.replaceChildren(select.options[0]);
    select.value = "";
    if (!parentId) {
      field.hidden = true;
      return Promise.resolve();
    }
    var url = root.dataset.divisionsUrl + "?parent=" + encodeURIComponent(parentId);
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (divisions) {
        divisions.forEach(function (division) {
          select.appendChild(new Option(division.name, String(division.id)));
        });
        field.hidden = divisions.length === 0;
      })
      .catch(function () {
        // Without an answer, the form's own buttons still work.
        root.querySelectorAll(".find-next").forEach(function (button) {
          button.hidden = false;
        });
      });
  }

  var streetField = document.getElementById("street-field");
  var communityField = document.getElementById("community-field");
  district.addEventListener("change", function () {
    fill(community, communityField, "");
    fill(street, streetField, district.value);
    sayChosen();
  });
  street.addEventListener("change", function () {
    fill(community, communityField, street.value);
    sayChosen();
  });
  community.addEventListener("change", sayChosen);

  // The review step says which place will be sent.
  function sayChosen() {
    var radio = form.querySelector('input[name="known_place"]:checked');
    var text = radio ? radio.dataset.fullName : "";
    if (!text) {
      text = [district, street, community]
        .filter(function (select) {
          return select.value;
        })
        .map(function (select) {
          return select.options[select.selectedIndex].text;
        })
        .join(" · ");
    }
    chosenName.textContent = text;
    chosen.hidden = !text;
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "known_place") {
      sayChosen();
    }
  });
})();
