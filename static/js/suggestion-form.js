// The child's suggestion form (templates/suggestions/form.html), made a little friendlier.
// Everything works without this script: it fills the review summary of step 7 as the child
// types, and says which photo was chosen (the file input is hidden behind its label).
(function () {
  "use strict";

  function start() {
    var form = document.querySelector("form.child-form");
    if (!form) return;
    var review = form.querySelector("[data-review]");
    var fallback = form.querySelector("[data-review-fallback]");
    var photoName = form.querySelector("[data-photo-name]");
    var tooBig = form.querySelector("[data-photo-too-big]");

    function chosenPhoto() {
      var input = form.querySelector("input[type=file][name=photo]");
      return input && input.files && input.files.length ? input.files[0].name : "";
    }

    function valueOf(name) {
      var fields = form.querySelectorAll("[name='" + name + "']");
      if (!fields.length) return "";
      if (fields[0].type === "radio") {
        for (var i = 0; i < fields.length; i++) {
          if (fields[i].checked) {
            var card = fields[i].closest("label");
            var cardName = card && card.querySelector(".card-name");
            return cardName ? cardName.textContent.trim() : fields[i].value;
          }
        }
        return "";
      }
      if (fields[0].type === "file") {
        var removed = form.querySelector("[name='" + name + "-clear']");
        return chosenPhoto() || (removed && removed.checked ? "" : review.dataset.storedPhoto || "");
      }
      return fields[0].value.trim();
    }

    function update() {
      if (review) {
        review.querySelectorAll("[data-show]").forEach(function (cell) {
          var name = cell.dataset.show;
          var value = valueOf(name);
          var first = form.querySelector("[name='" + name + "']");
          var empty = !first
            ? review.dataset.empty
            : first.type === "radio"
              ? review.dataset.unchosen
              : first.type === "file"
                ? review.dataset.noPhoto
                : review.dataset.empty;
          cell.textContent = value || empty;
          cell.classList.toggle("missing", !value && (!first || first.type !== "file"));
        });
      }
      if (photoName) {
        var photo = chosenPhoto();
        photoName.textContent = photo ? photoName.dataset.chosen + " " + photo : photoName.dataset.none;
      }
    }

    // A photo over the limit is said at once, next to the button, and let go of: the child
    // chooses another instead of learning it after the whole upload.
    function checkPhotoSize(event) {
      var input = event.target;
      if (!tooBig || input.type !== "file" || input.name !== "photo") return;
      var limit = Number(input.dataset.maxBytes);
      var file = input.files && input.files[0];
      var over = Boolean(file && limit && file.size > limit);
      if (over) input.value = "";
      tooBig.hidden = !over;
      if (over) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }

    form.addEventListener("change", checkPhotoSize);
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
    if (review) review.hidden = false;
    if (fallback) fallback.hidden = true;
    if (photoName) photoName.hidden = false;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
