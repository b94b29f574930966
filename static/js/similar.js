// "Did someone notice this already?" on the child's form (templates/suggestions/form.html):
// while the child types a title and what they noticed, the list of similar suggestions is
// asked again from views.suggestion_similar, a fragment drawn by the server, a moment after
// the last key. Without this script the "find similar ones" button sends the form to be shown
// again with the same list.
(function () {
  "use strict";
  var root = document.getElementById("similar");
  if (!root || !window.fetch || !window.DOMParser) {
    return;
  }
  var results = document.getElementById("similar-results");
  var fields = ["id_title", "id_noticed"].map(function (id) {
    return document.getElementById(id);
  }).filter(Boolean);
  var WAIT_MS = 400;
  var timer = null;
  var asked = 0;
  var last = null;

  function find() {
    var params = new URLSearchParams();
    fields.forEach(function (field) {
      params.set(field.name, field.value.trim().slice(0, 200));
    });
    if (root.dataset.exclude) {
      params.set("exclude", root.dataset.exclude);
    }
    var query = params.toString();
    if (query === last) {
      return;
    }
    last = query;
    var mine = ++asked;
    fetch(root.dataset.url + "?" + query, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.text();
      })
      .then(function (html) {
        if (mine !== asked) {
          return;
        }
        // Parsed, not assigned as innerHTML: the server escaped it, and nothing in it runs.
        var parsed = new DOMParser().parseFromString(html, "text/html");
        results.replaceChildren.apply(results, Array.prototype.slice.call(parsed.body.childNodes));
      })
      .catch(function () {
        last = null; // the next key tries again; the button still works
      });
  }

  fields.forEach(function (field) {
    field.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(find, WAIT_MS);
    });
  });
})();
