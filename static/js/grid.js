// The entry grid: spreadsheet habits on top of htmx cell saves (templates/metrics/grid.html).
// Each cell's <div class="cell"> posts itself on "change"; this file moves between cells, pastes blocks,
// restores values on Escape and shows the saving state. No inline scripts (CSP).
(function () {
  "use strict";

  // Filters (tree, rows, department) apply as soon as they change.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function () {
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    });
  });

  var form = document.getElementById("grid-form");
  if (!form) { return; }
  form.classList.add("grid-form--js");

  function isCellInput(element) {
    return element && element.classList && element.classList.contains("cell__input");
  }

  // Rows that have inputs, in the table of `input`: read-only and computed rows are skipped.
  function entryRows(input) {
    var table = input.closest("table");
    return Array.prototype.filter.call(table.tBodies[0].rows, function (row) {
      return row.classList.contains("grid-row--entry");
    });
  }

  function inputAt(row, column) {
    var cell = row && row.cells[column];
    return cell ? cell.querySelector(".cell__input") : null;
  }

  function place(input) {
    var cell = input.closest("td");
    var rows = entryRows(input);
    return { rows: rows, row: rows.indexOf(cell.parentElement), column: cell.cellIndex };
  }

  function go(target) {
    if (!target) { return false; }
    target.focus();
    target.select();
    return true;
  }

  function move(input, rowStep, columnStep) {
    var at = place(input);
    return go(inputAt(at.rows[at.row + rowStep], at.column + columnStep));
  }

  function allSelected(input) {
    return input.selectionStart === 0 && input.selectionEnd === input.value.length && input.value.length > 0;
  }

  function atStart(input) {
    return allSelected(input) || (input.selectionStart === 0 && input.selectionEnd === 0);
  }

  function atEnd(input) {
    var end = input.value.length;
    return allSelected(input) || (input.selectionStart === end && input.selectionEnd === end);
  }

  function boxOf(element) { return element.closest(".cell"); }

  function setState(box, className, text) {
    var state = box.querySelector(".cell__state");
    state.textContent = "";
    if (text) {
      var span = document.createElement("span");
      span.className = className;
      span.textContent = text;
      state.appendChild(span);
    }
  }

  function setInvalid(box, invalid) {
    var input = box.querySelector(".cell__input");
    box.classList.toggle("cell--invalid", invalid);
    if (invalid) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
  }

  function restore(input) {
    var box = boxOf(input);
    input.value = input.getAttribute("data-stored") || "";
    setInvalid(box, false);
    setState(box, "", "");
    input.select();
  }

  function commit(element) {
    element.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function openNote(input) {
    var details = boxOf(input).querySelector(".cell__note");
    details.open = true;
    details.querySelector(".cell__note-input").focus();
  }

  function closeNote(noteInput) {
    var box = boxOf(noteInput);
    box.querySelector(".cell__note").open = false;
    box.querySelector(".cell__input").focus();
  }

  form.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.isComposing || event.keyCode === 229) { return; } // the IME is converting: its keys are its own
    if (target.classList.contains("cell__note-input")) {
      if (event.key === "Enter") {
        event.preventDefault();
        closeNote(target); // leaving the note fires its "change", which saves it (once: no commit here too)
      }
      if (event.key === "Escape") {
        event.preventDefault();
        target.value = target.getAttribute("data-stored") || "";
        closeNote(target);
      }
      return;
    }
    if (!isCellInput(target)) { return; }
    var handled = true;
    switch (event.key) {
      case "Enter":
        // Never submit the whole grid from a cell: move down, saving this one.
        if (!move(target, event.shiftKey ? -1 : 1, 0)) { commit(target); }
        break;
      case "ArrowUp": move(target, -1, 0); break;
      case "ArrowDown": move(target, 1, 0); break;
      case "ArrowLeft": handled = atStart(target) && move(target, 0, -1); break;
      case "ArrowRight": handled = atEnd(target) && move(target, 0, 1); break;
      case "Tab":
        handled = !event.altKey && !event.ctrlKey && !event.metaKey && move(target, 0, event.shiftKey ? -1 : 1);
        break;
      case "Escape": restore(target); break;
      case "F2":
        handled = event.shiftKey;
        if (handled) { openNote(target); }
        break;
      default: handled = false;
    }
    if (handled) { event.preventDefault(); }
  });

  // Select the whole number on focus, as a spreadsheet does, so typing replaces it.
  form.addEventListener("focusin", function (event) {
    if (isCellInput(event.target)) { event.target.select(); }
  });

  // A block copied from Excel or Google Sheets: tab-separated columns, one line per row.
  form.addEventListener("paste", function (event) {
    var input = event.target;
    if (!isCellInput(input)) { return; }
    var text = (event.clipboardData || window.clipboardData).getData("text/plain") || "";
    if (!/[\t\r\n]/.test(text)) { return; } // one value: the browser pastes it into this cell
    event.preventDefault();
    var lines = text.replace(/\r\n?/g, "\n").split("\n");
    if (lines.length > 1 && lines[lines.length - 1] === "") { lines.pop(); }
    var at = place(input);
    lines.forEach(function (line, i) {
      var row = at.rows[at.row + i];
      if (!row) { return; }
      line.split("\t").forEach(function (value, j) {
        var target = inputAt(row, at.column + j);
        if (!target) { return; }
        target.value = value;
        commit(target);
      });
    });
    input.select();
  });

  // Opening one note closes the others.
  form.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!details.classList || !details.classList.contains("cell__note") || !details.open) { return; }
    form.querySelectorAll(".cell__note[open]").forEach(function (other) {
      if (other !== details) { other.open = false; }
    });
  }, true);

  // The saving state, and what the server says back.
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var box = event.detail.elt.closest && event.detail.elt.closest(".cell");
    if (!box) { return; }
    // What this request carries, to tell later typing from it when the answer comes back.
    var input = box.querySelector(".cell__input");
    input.setAttribute("data-sent", input.value);
    var noteInput = box.querySelector(".cell__note-input");
    noteInput.setAttribute("data-sent", noteInput.value);
    // A conflict's buttons stay in place while they post: htmx swaps relative to them.
    if (event.detail.elt.closest(".cell__state")) { return; }
    setState(box, "cell__saving", form.getAttribute("data-saving"));
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    var state = event.detail.target;
    if (!state.classList || !state.classList.contains("cell__state")) { return; }
    var box = boxOf(state);
    var result = state.querySelector(".cell__result");
    if (!box || !result) { return; }
    var outcome = result.getAttribute("data-outcome");
    var invalid = outcome === "error" || outcome === "conflict";
    setInvalid(box, invalid);
    if (invalid) { return; }
    var input = box.querySelector(".cell__input");
    var value = result.getAttribute("data-value");
    var note = result.getAttribute("data-note");
    // Show the stored number and note as written back (1,234), unless the person changed them after this
    // request left: then their change is queued behind it (or saves when they leave the field), and must
    // not be replaced by this older answer, focused or not.
    input.setAttribute("data-stored", value);
    if (input.value === input.getAttribute("data-sent")) { input.value = value; }
    var noteInput = box.querySelector(".cell__note-input");
    noteInput.setAttribute("data-stored", note);
    if (noteInput.value === noteInput.getAttribute("data-sent")) { noteInput.value = note; }
    if (note) { input.title = note; } else { input.removeAttribute("title"); }
    box.classList.toggle("cell--has-note", Boolean(note));
  });

  function failed(event) {
    var box = event.detail.elt.closest && event.detail.elt.closest(".cell");
    if (!box) { return; }
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    setState(box, "cell__error", form.getAttribute(status === 403 ? "data-forbidden" : "data-failed"));
    setInvalid(box, true);
  }
  document.body.addEventListener("htmx:responseError", failed);
  document.body.addEventListener("htmx:sendError", failed);

  // The note buttons stay out of the Tab order: Tab moves from cell to cell (Shift+F2 opens a note).
  form.querySelectorAll(".cell__note-toggle").forEach(function (toggle) { toggle.tabIndex = -1; });

  // Start where the work is: the cell a link points at, else the last complete week (keyboard and mouse only).
  function start() {
    form.querySelectorAll(".grid-wrap").forEach(function (wrap) { wrap.scrollLeft = wrap.scrollWidth; });
    if (document.querySelector(".error-summary")) { return; }
    var linked = window.location.hash && document.getElementById(window.location.hash.slice(1));
    var target = linked && linked.querySelector(".cell__input");
    if (!target && window.matchMedia("(pointer: fine)").matches) {
      target = form.querySelector(".cell__input[data-focus]");
    }
    if (target) {
      target.focus();
      target.select();
    }
    if (linked && target) {
      // The browser moves the focus to the page when it scrolls to the address's #cell-…: take it back once.
      window.addEventListener("load", function () {
        setTimeout(function () {
          if (document.activeElement === document.body) { target.focus(); target.select(); }
        }, 0);
      }, { once: true });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
