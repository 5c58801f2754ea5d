// The suggestion queue (and the all-items list) from the keyboard: j/k move, s opens the
// insight box (or scoops), x discards, m marks read or unread, o opens the page. Actions
// are posted with fetch and the card is replaced in place; with JavaScript off the same
// forms post normally and the server redirects back to the card.
(function () {
  "use strict";
  var current = null;

  function cards() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-card]"));
  }

  function select(card) {
    if (current) current.classList.remove("current");
    current = card || null;
    if (!current) return;
    current.classList.add("current");
    current.focus({ preventScroll: true });
    current.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var list = cards();
    if (!list.length) return;
    var index = list.indexOf(current);
    index = index < 0 ? 0 : Math.min(Math.max(index + step, 0), list.length - 1);
    select(list[index]);
  }

  function replaceCard(card, html) {
    var list = cards();
    var index = list.indexOf(card);
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    card.replaceWith(holder.content);
    var rest = cards();
    select(rest[Math.min(Math.max(index, 0), rest.length - 1)]);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-queue-action]")) return;
    var card = form.closest("[data-card]");
    if (!card || !window.fetch) return;
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
          if (response.ok) {
            replaceCard(card, html);
            return;
          }
          var box = card.querySelector("[data-errors]");
          if (box) box.innerHTML = html;
          else window.alert(html.replace(/<[^>]*>/g, ""));
          if (button) button.disabled = false;
        });
      })
      .catch(function () {
        // Network trouble: fall back to the plain post, which redirects back here.
        form.submit();
      });
  });

  // All items: opening an unread item marks it read, as feed readers do. keepalive lets
  // the post finish when the link replaces this page.
  function markOpened(card) {
    var form = card && card.querySelector('form[data-queue-action="read"]');
    var read = form && form.querySelector('input[name="read"]');
    if (!read || read.value !== "1" || !window.fetch) return;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      keepalive: true,
      headers: { "X-Florilege-Fragment": "1" },
    })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html && card.isConnected) replaceCard(card, html);
      })
      .catch(function () {});
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-open]");
    if (link) markOpened(link.closest(".item[data-card]"));
  });

  function openInsight(card) {
    var box = card.querySelector("[data-quick]");
    if (!box) {
      var link = card.querySelector("[data-scoop]");
      // A button posts its form (the all-items list makes the suggestion first).
      if (link && link.form) link.form.requestSubmit();
      else if (link) window.location.href = link.href;
      return;
    }
    box.open = true;
    var area = box.querySelector("textarea");
    if (area) area.focus();
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target.closest && target.closest("input, textarea, select, [contenteditable]");
    if (typing) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target.form) {
        event.preventDefault();
        target.form.requestSubmit();
      } else if (event.key === "Escape") {
        var box = target.closest("[data-quick]");
        if (box) {
          box.open = false;
          select(box.closest("[data-card]"));
        }
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var key = event.key;
    if (key === "j") move(1);
    else if (key === "k") move(-1);
    else if (!current) return;
    else if (key === "x") {
      var discard = current.querySelector('form[data-queue-action="discard"]');
      if (discard) discard.requestSubmit();
    } else if (key === "m") {
      var read = current.querySelector('form[data-queue-action="read"]');
      if (read) read.requestSubmit();
    } else if (key === "s") openInsight(current);
    else if (key === "o") {
      var open = current.querySelector("[data-open]");
      if (open) window.open(open.href, "_blank", "noopener");
      if (current.matches(".item")) markOpened(current);
    } else return;
    event.preventDefault();
  });
})();
