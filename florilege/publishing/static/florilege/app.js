// The one script of the public pages, small and optional (every page works without it).
// 1. Registers the service worker that shows an offline page when a page cannot load. The
// worker's address comes from this script's data-worker attribute (see base.html).
(function () {
  const script = document.currentScript;
  if (!("serviceWorker" in navigator) || !script) return;
  const worker = script.dataset.worker;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register(worker).catch(function () {
      // No worker (private mode, an old browser): the site works the same, only online.
    });
  });
})();

// 2. "Read more" on the cards of a topic page. Without this script it is a link to the
// scoop's own page; with it, it opens the card's clamped insight and excerpt in place (no
// page load) and closes them again. A card whose text is not cut keeps no control.
(function () {
  function cut(text) {
    return Array.prototype.some.call(text.children, function (part) {
      return part.scrollHeight > part.clientHeight + 1;
    });
  }
  function enhance(link) {
    const card = link.closest(".scoop");
    const text = card && card.querySelector(".text");
    if (!text) return;
    if (!cut(text)) {
      link.hidden = true;
      return;
    }
    const button = document.createElement("button");
    const label = document.createTextNode(link.firstChild.textContent);
    const more = label.textContent;
    button.type = "button";
    button.className = "link more";
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", text.id);
    button.append(label, ...Array.prototype.slice.call(link.childNodes, 1));
    button.addEventListener("click", function () {
      const open = card.classList.toggle("open");
      button.setAttribute("aria-expanded", String(open));
      label.textContent = open ? link.dataset.less : more;
    });
    link.replaceWith(button);
  }
  document.querySelectorAll(".scoops a.more").forEach(enhance);
})();
