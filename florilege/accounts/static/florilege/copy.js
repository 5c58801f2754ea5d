// Copy buttons: <button data-copy="ID" data-copied="Copied" hidden> copies the value of the
// read-only field ID. Without JavaScript the button stays hidden and the field's text can
// still be selected and copied by hand.
(function () {
  "use strict";

  function copy(field) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(field.value);
    }
    // Plain http (a local install): the older way, from a selection.
    field.select();
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject();
  }

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      copy(field).then(
        function () { button.textContent = button.getAttribute("data-copied") || label; },
        function () { field.select(); }
      );
      setTimeout(function () { button.textContent = label; }, 2000);
    });
  });
})();
