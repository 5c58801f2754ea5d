/* The embed page tells the page that frames it its height (embed.js sizes the frame). */
(function () {
  function tell() {
    parent.postMessage(
      { florilegeHeight: document.documentElement.getBoundingClientRect().height }, "*"
    );
  }
  addEventListener("load", tell);
  addEventListener("resize", tell);
})();
