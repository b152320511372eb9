// Goaltree: @ completion in comment boxes. No inline scripts (CSP).
// A <textarea data-mention-input> inside an element with data-mention-url (the JSON of /mentions.json?tree=…)
// lists, as the person types "@" and a few letters, the people and departments that can be mentioned; ↑ ↓ choose,
// Enter or Tab inserts, Escape closes. Without JavaScript the box is a plain textarea: names typed by hand work.
(function () {
  "use strict";

  var DELAY_MS = 150;
  var list = null;        // the open <ul role="listbox">
  var owner = null;       // the textarea it belongs to
  var items = [];
  var active = -1;
  var timer = null;
  var counter = 0;

  // The "@word" just before the caret: {start, query}, or null.
  function pending(textarea) {
    var caret = textarea.selectionStart;
    if (caret !== textarea.selectionEnd) { return null; }
    var before = textarea.value.slice(0, caret);
    var match = /(^|[^\w@])@([^\s@]{0,30})$/.exec(before);
    if (!match) { return null; }
    return { start: caret - match[2].length - 1, query: match[2] };
  }

  function close() {
    if (list) { list.remove(); }
    if (owner) {
      owner.setAttribute("aria-expanded", "false");
      owner.removeAttribute("aria-activedescendant");
    }
    list = null; owner = null; items = []; active = -1;
  }

  function highlight(index) {
    if (!list) { return; }
    active = index;
    Array.prototype.forEach.call(list.children, function (item, i) {
      item.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (owner && list.children[index]) { owner.setAttribute("aria-activedescendant", list.children[index].id); }
  }

  function insert(textarea, candidate) {
    var found = pending(textarea);
    if (!found) { close(); return; }
    var caret = textarea.selectionStart;
    var text = "@" + candidate.insert + " ";
    textarea.value = textarea.value.slice(0, found.start) + text + textarea.value.slice(caret);
    var position = found.start + text.length;
    textarea.setSelectionRange(position, position);
    close();
    textarea.focus();
  }

  function show(textarea, candidates) {
    close();
    if (!candidates.length) { return; }
    owner = textarea;
    items = candidates;
    list = document.createElement("ul");
    list.className = "mention-list";
    list.setAttribute("role", "listbox");
    list.id = "mention-list-" + (++counter);
    candidates.forEach(function (candidate, index) {
      var item = document.createElement("li");
      item.id = list.id + "-" + index;
      item.setAttribute("role", "option");
      var name = document.createElement("span");
      name.textContent = candidate.label;        // textContent: a name is never HTML
      var detail = document.createElement("span");
      detail.className = "muted";
      detail.textContent = candidate.detail || "";
      item.appendChild(name);
      item.appendChild(detail);
      item.addEventListener("mousedown", function (event) {
        event.preventDefault();                   // keep the focus in the textarea
        insert(textarea, candidate);
      });
      list.appendChild(item);
    });
    var box = textarea.parentElement;
    box.classList.add("mention-box");
    box.appendChild(list);
    textarea.setAttribute("aria-controls", list.id);
    textarea.setAttribute("aria-expanded", "true");
    highlight(0);
  }

  function lookup(textarea) {
    var found = pending(textarea);
    var source = textarea.closest("[data-mention-url]");
    if (!found || !source) { close(); return; }
    var url = source.getAttribute("data-mention-url");
    url += (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(found.query);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { candidates: [] }; })
      .then(function (data) {
        if (document.activeElement === textarea && pending(textarea)) { show(textarea, data.candidates || []); }
      })
      .catch(function () { close(); });
  }

  function prepare(textarea) {
    if (textarea._goaltreeMentions) { return; }
    textarea._goaltreeMentions = true;
    textarea.setAttribute("aria-autocomplete", "list");
    textarea.setAttribute("aria-expanded", "false");
  }

  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("textarea[data-mention-input]")) { prepare(event.target); }
  });
  document.addEventListener("input", function (event) {
    var textarea = event.target;
    if (!textarea.matches || !textarea.matches("textarea[data-mention-input]")) { return; }
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { lookup(textarea); }, DELAY_MS);
  });
  document.addEventListener("keydown", function (event) {
    if (!list || event.target !== owner) { return; }
    if (event.key === "ArrowDown") { event.preventDefault(); highlight((active + 1) % items.length); }
    else if (event.key === "ArrowUp") { event.preventDefault(); highlight((active - 1 + items.length) % items.length); }
    else if ((event.key === "Enter" || event.key === "Tab") && active >= 0 && !event.isComposing) {
      event.preventDefault();
      insert(owner, items[active]);
    } else if (event.key === "Escape") { event.preventDefault(); close(); }
  });
  document.addEventListener("focusout", function (event) {
    if (event.target === owner) { window.setTimeout(close, 100); }
  });
})();
