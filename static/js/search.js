// Search results (goals/search.html): ↓ from the search box goes to the first result, ↑ ↓ move through the
// results, ↑ from the first goes back to the box; Enter opens a result as any link does. Without JavaScript the
// results are plain links reached with Tab.
(function () {
  "use strict";
  var lastBox = null;
  function results() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-search-result]"));
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") { return; }
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    var target = event.target;
    var inBox = target.matches && target.matches("[data-search-input]");
    var items = results();
    var index = items.indexOf(target);
    if ((!inBox && index < 0) || !items.length) { return; }
    if (inBox) { lastBox = target; }
    event.preventDefault();
    if (event.key === "ArrowDown") {
      items[inBox ? 0 : Math.min(index + 1, items.length - 1)].focus();
    } else if (!inBox && index > 0) {
      items[index - 1].focus();
    } else if (!inBox) {
      (lastBox || document.querySelector("[data-search-input]")).focus();
    }
  });
})();
