// Tree editor: keep keyboard focus where the person was after htmx redraws the tree, and bring the
// node panel into view when a form opens in it. No inline scripts (CSP); everything works without this file.
(function () {
  "use strict";
  var lastFocusId = null;

  document.addEventListener("htmx:beforeRequest", function (event) {
    var active = document.activeElement;
    lastFocusId = active && active.id ? active.id : null;
  });

  function focusWithoutScroll(element) {
    if (element) { element.focus({ preventScroll: true }); }
  }

  // Show an element of the side panel at the top of the view: inside the side column where it scrolls on its
  // own (wide screens), else by scrolling the page (narrow screens, where the panel sits below the tree).
  function reveal(element) {
    var side = element.closest(".tree-editor__side");
    var scrolls = side && getComputedStyle(side).overflowY !== "visible" && side.scrollHeight > side.clientHeight;
    if (scrolls) {
      side.scrollTop += element.getBoundingClientRect().top - side.getBoundingClientRect().top - 8;
    } else {
      element.scrollIntoView({ block: "start" });
    }
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target) { return; }
    // An outerHTML swap replaces the target: work on the element that took its place.
    if (!target.isConnected && target.id) { target = document.getElementById(target.id); }
    if (!target) { return; }
    if (target.id === "node-panel") {
      // A form or message opened in the panel: show its top and move focus there; the error summary or the
      // conflict message comes first, so that screen readers and keyboards land on what went wrong.
      var problem = target.querySelector(".error-summary, .conflict, .message--error");
      reveal(target);
      if (problem) {
        reveal(problem);
        focusWithoutScroll(problem);
      } else {
        focusWithoutScroll(target.querySelector("input:not([type=hidden]), select, textarea, button") || target);
      }
      return;
    }
    if (target.id === "tree-editor") {
      // ▲▼ redraw the whole editor: focus the same button again, or its pair when it became disabled.
      var alert = target.querySelector(".message--error");
      if (alert) { focusWithoutScroll(alert); return; }
      var again = lastFocusId ? document.getElementById(lastFocusId) : null;
      if (again && again.disabled) {
        var pair = lastFocusId.indexOf("reorder-up-") === 0
          ? lastFocusId.replace("reorder-up-", "reorder-down-")
          : lastFocusId.replace("reorder-down-", "reorder-up-");
        again = document.getElementById(pair);
      }
      var card = target.getAttribute("data-focus") ? document.getElementById(target.getAttribute("data-focus")) : null;
      if (again && !again.disabled) {
        focusWithoutScroll(again);
      } else if (card) {
        // After a save in the panel: bring the node's card into view and focus its name.
        var link = card.querySelector(".node-card__name a");
        card.scrollIntoView({ block: "center" });
        focusWithoutScroll(link || card);
      } else {
        var notice = target.querySelector(".message");
        if (notice) { notice.setAttribute("tabindex", "-1"); focusWithoutScroll(notice); notice.scrollIntoView({ block: "nearest" }); }
      }
    }
  });
})();

// Formula and breakdown inputs: the list of node names (<datalist id="node-names">) suggests the whole input,
// so after "受注件数 × " the browser would suggest nothing. Rewrite each suggestion as what is typed up to the
// last operator followed by a name, so the name being typed is completed in place. Without this file the list
// still suggests the first name, and the names are listed under the field.
(function () {
  "use strict";
  var SEPARATORS = " \u3000+-*/()×÷＋－＊／（）−";

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input || input.getAttribute("list") !== "node-names") { return; }
    var list = document.getElementById("node-names");
    if (!list) { return; }
    var text = input.value;
    var cut = 0;
    for (var i = text.length - 1; i >= 0; i -= 1) {
      if (SEPARATORS.indexOf(text.charAt(i)) !== -1) { cut = i + 1; break; }
    }
    var prefix = text.slice(0, cut);
    Array.prototype.forEach.call(list.options, function (option) {
      if (!option.dataset.name) { option.dataset.name = option.value; }
      option.value = prefix + option.dataset.name;
    });
  });
})();
