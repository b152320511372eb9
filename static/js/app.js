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
  // Buttons that need a confirmation carry data-confirm with the translated question.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  }, true);
})();
