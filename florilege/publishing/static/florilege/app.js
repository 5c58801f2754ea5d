// Registers the service worker that shows an offline page when a page cannot load. The
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
