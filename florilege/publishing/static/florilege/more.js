// "Read more" on the cards of a topic page. Without this script it is a link to the
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
