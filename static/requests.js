// When an htmx request fails, say so in the page's language and leave the page as it
// was, so a typed note is never lost: offline (htmx:sendError) or a server error
// (htmx:responseError). A form marked data-keep-on-error shows its 400 answer
// (the same form with the message), which htmx would otherwise drop.
(function () {
  "use strict";
  function box() { return document.getElementById("request-error"); }
  function show(kind) {
    var el = box();
    if (!el) { return; }
    el.textContent = el.getAttribute(kind === "offline" ? "data-offline" : "data-failed");
    el.hidden = false;
  }
  document.addEventListener("htmx:beforeSwap", function (event) {
    var elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (event.detail.xhr.status === 400 && elt && elt.closest && elt.closest("[data-keep-on-error]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("htmx:sendError", function () { show("offline"); });
  document.addEventListener("htmx:responseError", function () { show("failed"); });
  document.addEventListener("htmx:afterRequest", function (event) {
    var el = box();
    if (el && event.detail.successful) { el.hidden = true; }
  });
}());
