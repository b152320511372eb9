// Goaltree: small behaviours shared by every page. No inline scripts (CSP).
(function () {
  "use strict";
  // Focus the error summary after a failed submit so screen readers and keyboards land on it (GOV.UK).
  function focusErrorSummary(root) {
    var summary = (root || document).querySelector(".error-summary");
    if (summary) { summary.focus(); }
  }
  document.addEventListener("DOMContentLoaded", function () { focusErrorSummary(document); });
  document.addEventListener("htmx:afterSwap", function (event) {
    // After an outerHTML swap the old target is detached: look its replacement up by id.
    var target = event.detail.target;
    if (target && !target.isConnected && target.id) { target = document.getElementById(target.id); }
    focusErrorSummary(target && target.isConnected ? target : document);
  });
  // A table wider than the screen scrolls inside its .table-wrap: make that box reachable by keyboard
  // and name it after the table's caption or the nearest heading before it (WCAG 2.1.1; axe
  // scrollable-region-focusable). Boxes that do not scroll stay out of the tab order.
  function headingBefore(element) {
    for (var node = element; node && node !== document.body; node = node.parentElement) {
      for (var sibling = node.previousElementSibling; sibling; sibling = sibling.previousElementSibling) {
        var heading = sibling.matches("h1, h2, h3, h4, summary, legend") ? sibling : sibling.querySelector("h1, h2, h3, h4");
        if (heading) { return heading.textContent.trim(); }
      }
    }
    return "";
  }
  function markScrollableTables(root) {
    (root || document).querySelectorAll(".table-wrap").forEach(function (wrap) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1 || wrap.scrollHeight > wrap.clientHeight + 1;
      if (wrap.hasAttribute("tabindex") && !wrap.hasAttribute("data-auto-scroll")) { return; }  // set by its template
      if (scrolls) {
        var caption = wrap.querySelector("caption");
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "group");  // not a landmark: its section often has the same name
        if (!wrap.hasAttribute("data-auto-scroll")) {
          var named = wrap.hasAttribute("aria-label") || wrap.hasAttribute("aria-labelledby");
          wrap.setAttribute("data-auto-scroll", named ? "" : "named");
          if (!named) {
            wrap.setAttribute("aria-label", (caption && caption.textContent.trim()) || headingBefore(wrap) || document.title);
          }
        }
      } else if (wrap.hasAttribute("data-auto-scroll")) {
        if (wrap.getAttribute("data-auto-scroll") === "named") { wrap.removeAttribute("aria-label"); }
        ["tabindex", "role", "data-auto-scroll"].forEach(function (name) { wrap.removeAttribute(name); });
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { markScrollableTables(document); });
  document.addEventListener("htmx:load", function (event) { markScrollableTables(event.target.parentElement || document); });
  document.addEventListener("toggle", function () { markScrollableTables(document); }, true);
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(function () { markScrollableTables(document); }, 200);
  });
  // Buttons that need a confirmation carry data-confirm with the translated question.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  }, true);
})();
