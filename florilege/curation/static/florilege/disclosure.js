// Disclosures marked data-open-wide (the queue's filters and keyboard help) start closed,
// which suits phones and touch screens; with a wide screen and a fine pointer they open.
(function () {
  "use strict";
  if (!window.matchMedia("(min-width: 40rem) and (pointer: fine)").matches) return;
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("details[data-open-wide]").forEach(function (d) { d.open = true; });
  });
})();
