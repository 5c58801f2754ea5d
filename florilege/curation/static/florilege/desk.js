// The engagement desk from the keyboard, as the suggestion queue: j/k move, o (or Enter)
// opens the item, i marks it in progress, d done, f flags or clears it. The buttons are
// posted with fetch and the row is replaced in place; with JavaScript off the same forms
// post normally and the server redirects back to the row.
(function () {
  "use strict";
  var current = null;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll(".desk-list [data-card]"));
  }

  function select(row) {
    if (current) current.classList.remove("current");
    current = row || null;
    if (!current) return;
    current.classList.add("current");
    current.focus({ preventScroll: true });
    current.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var list = rows();
    if (!list.length) return;
    var index = list.indexOf(current);
    index = index < 0 ? 0 : Math.min(Math.max(index + step, 0), list.length - 1);
    select(list[index]);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-desk-action]") || !window.fetch) return;
    var row = form.closest("[data-card]");
    if (!row) return;
    event.preventDefault();
    var button = form.querySelector("button");
    if (button) button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Florilege-Fragment": "1" },
    })
      .then(function (response) {
        return response.text().then(function (html) {
          if (!response.ok) {
            window.alert(html);
            if (button) button.disabled = false;
            return;
          }
          var holder = document.createElement("template");
          holder.innerHTML = html.trim();
          var fresh = holder.content.firstElementChild;
          row.replaceWith(holder.content);
          select(fresh);
        });
      })
      .catch(function () {
        form.submit();
      });
  });

  function post(kind) {
    var form = current && current.querySelector('form[data-desk-action="' + kind + '"]');
    if (form) form.requestSubmit();
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var key = event.key;
    if (key === "j") move(1);
    else if (key === "k") move(-1);
    else if (!current) return;
    else if (key === "o" || (key === "Enter" && target === current)) {
      var link = current.querySelector("[data-open]");
      if (link) window.location.href = link.href;
    } else if (key === "i") post("in_progress");
    else if (key === "d") post("done");
    else if (key === "f") post("flag");
    else return;
    event.preventDefault();
  });
})();
