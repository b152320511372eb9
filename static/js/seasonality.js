// Seasonality weights: a column pasted from a spreadsheet fills the week it lands in and the weeks below,
// and typing a weight chooses "weights I enter". No inline scripts (CSP); the page works without this file.
(function () {
  "use strict";

  function chooseCustom(form) {
    var custom = form.querySelector('input[name="method"][value="custom"]');
    if (custom && !custom.checked) { custom.checked = true; }
  }

  document.addEventListener("paste", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("weight-input")) { return; }
    var text = (event.clipboardData || window.clipboardData).getData("text");
    var values = text.replace(/\r/g, "").split(/[\n\t]/).map(function (v) { return v.trim(); });
    while (values.length && values[values.length - 1] === "") { values.pop(); }
    if (values.length < 2) { chooseCustom(input.form); return; }
    event.preventDefault();
    var inputs = Array.prototype.slice.call(input.form.querySelectorAll(".weight-input"));
    var start = inputs.indexOf(input);
    for (var i = 0; i < values.length && start + i < inputs.length; i++) {
      inputs[start + i].value = values[i];
    }
    chooseCustom(input.form);
  });

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (input.classList && input.classList.contains("weight-input")) { chooseCustom(input.form); }
  });
})();
