/* Florilège embed: writes an iframe showing a topic's latest scoops where this script is.
   Options on the script tag: data-count (1-20), data-height (pixels), data-title. */
(function () {
  var FRAME = {{ frame_url|safe }};
  var script = document.currentScript;
  if (!script) { return; }
  var n = parseInt(script.getAttribute("data-count") || "5", 10);
  var frame = document.createElement("iframe");
  frame.src = FRAME + "?n=" + (n > 0 && n <= 20 ? n : 5);
  frame.title = script.getAttribute("data-title") || "Latest scoops";
  frame.height = script.getAttribute("data-height") || "480";
  frame.style.width = "100%";
  frame.style.border = "0";
  frame.setAttribute("loading", "lazy");
  script.parentNode.insertBefore(frame, script.nextSibling);
  var origin = new URL(FRAME).origin;
  // The framed page tells its height, so the widget has no scroll bar of its own.
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin === origin && event.source === frame.contentWindow && data &&
        typeof data.florilegeHeight === "number") {
      frame.height = String(Math.min(5000, Math.ceil(data.florilegeHeight)));
    }
  });
})();
