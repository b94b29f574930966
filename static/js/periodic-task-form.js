// The admin's periodic task form (django-celery-beat): when another crontab is chosen, its
// "Crontab translation" row says what the new one means in words. The words of every crontab
// are in the <script type="application/json" id="readable-crontabs"> element.
(function () {
  "use strict";
  var source = document.getElementById("readable-crontabs");
  var select = document.getElementById("id_crontab");
  var shown = document.querySelector(".field-crontab_translation .readonly");
  if (!source || !select || !shown) {
    return;
  }
  var readable = JSON.parse(source.textContent);
  select.addEventListener("change", function () {
    shown.textContent = readable[select.value] || "";
  });
})();
