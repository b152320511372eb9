// Goaltree charts: every <canvas data-chart-url> draws the JSON of its URL with Chart.js (docs/ui.md "Charts").
// No inline scripts (CSP): the page loads Chart.js from settings.CHARTJS_URL, then this file.
// A chart redraws on the htmx event `entriesChanged` and every 60 seconds while the page is open. Comments pinned to
// a week are marked on that week's point with their count (and listed in its tooltip).
// When Chart.js did not load (a network that blocks its CDN, a wrong CHARTJS_SRI), each chart says so in words
// and links to its table instead of staying an empty box. Chart.js and this file are both `defer`, so they run in
// order: when this file runs, Chart.js has run, or has failed.
(function () {
  "use strict";

  var REFRESH_MS = 60000;
  var COLOURS = {
    bar: "#3460fb",
    actual: "#0017c1",
    target: "#333333",
    stretch: "#767676",
    lastPeriod: "#7b8bd4",
    grid: "#e6e6e6",
    text: "#333333"
  };

  function locale(data) {
    return (data && data.locale) || document.documentElement.lang || "ja";
  }

  function fullNumber(value, data) {
    if (value === null || value === undefined) { return data.text.no_data; }
    var unit = data.node.unit || "";
    var lang = locale(data);
    var digits = unit === "%" ? 1 : 2;
    var text = new Intl.NumberFormat(lang, { maximumFractionDigits: digits, minimumFractionDigits: unit === "%" ? 1 : 0 })
      .format(value);
    if (unit === "円" || unit === "yen" || unit === "JPY" || unit === "¥") {
      if (lang.indexOf("ja") === 0) { return text + "円"; }
      return text.charAt(0) === "-" ? "-¥" + text.slice(1) : "¥" + text;
    }
    if (unit === "%") { return text + "%"; }
    if (!unit) { return text; }
    return lang.indexOf("ja") === 0 ? text + unit : text + " " + unit;
  }

  function compactNumber(value, data) {
    // Ticks: 万/億 in Japanese, K/M/B in English (Intl compact notation).
    return new Intl.NumberFormat(locale(data), { notation: "compact", maximumFractionDigits: 1 }).format(value);
  }

  function lineDataset(label, values, colour, extra) {
    var dataset = {
      type: "line",
      label: label,
      data: values,
      borderColor: colour,
      backgroundColor: colour,
      borderWidth: 2,
      pointRadius: 0,
      pointHoverRadius: 4,
      pointHitRadius: 6,
      pointStyle: "line",
      spanGaps: false,
      fill: false,
      tension: 0
    };
    Object.keys(extra || {}).forEach(function (key) { dataset[key] = extra[key]; });
    return dataset;
  }

  function datasets(data, mode) {
    var text = data.text;
    var result = [];
    if (mode === "cumulative") {
      var c = data.cumulative;
      result.push(lineDataset(text.actual_to_date, c.actual, COLOURS.actual, { borderWidth: 3, order: 1 }));
      result.push(lineDataset(text.forecast, c.forecast, COLOURS.actual, { borderDash: [6, 4], order: 2 }));
      result.push(lineDataset(text.target_to_date, c.target, COLOURS.target, { order: 3 }));
      if (data.has_stretch) {
        result.push(lineDataset(text.stretch, c.stretch, COLOURS.stretch, { borderDash: [2, 3], order: 4 }));
      }
      if (data.last_period) {
        // Last period's running value, aligned by week number in the period (metrics/last_period.py): faint.
        result.push(lineDataset(text.last_period, data.last_period.cumulative, COLOURS.lastPeriod, { borderWidth: 1.5, order: 5 }));
      }
    } else {
      var w = data.weekly;
      result.push({
        type: "bar",
        label: text.actual,
        data: w.actual,
        backgroundColor: COLOURS.bar,
        borderWidth: 0,
        pointStyle: "rect",
        order: 3
      });
      result.push(lineDataset(text.target, w.target, COLOURS.target, { order: 1 }));
      if (data.has_stretch) {
        result.push(lineDataset(text.stretch, w.stretch, COLOURS.stretch, { borderDash: [2, 3], order: 2 }));
      }
      if (data.last_period) {
        // Last period's weekly actuals, aligned by week number in the period (metrics/last_period.py): faint.
        result.push(lineDataset(text.last_period, data.last_period.weekly, COLOURS.lastPeriod, { borderWidth: 1.5, order: 4 }));
      }
    }
    return result;
  }

  // Comments pinned to a week: a small filled circle with their count above that week's point (or bar), so the
  // conversation shows where it happened. Drawn on the canvas: counts are numbers, never text people typed.
  var commentsPlugin = {
    id: "goaltreeComments",
    afterDatasetsDraw: function (chart, args, pluginOptions) {
      var items = (pluginOptions && pluginOptions.items) || [];
      var weeks = (pluginOptions && pluginOptions.weeks) || [];
      if (!items.length) { return; }
      var ctx = chart.ctx;
      var area = chart.chartArea;
      var meta = chart.getDatasetMeta(0);
      ctx.save();
      items.forEach(function (item) {
        var index = weeks.indexOf(item.week);
        if (index < 0) { return; }
        var x = chart.scales.x.getPixelForValue(index);
        var point = meta && meta.data && meta.data[index];
        var y = point && isFinite(point.y) ? point.y - 14 : area.top + 10;
        y = Math.max(area.top + 9, Math.min(y, area.bottom - 9));
        ctx.beginPath();
        ctx.arc(x, y, 9, 0, 2 * Math.PI);
        ctx.fillStyle = "#ffffff";
        ctx.fill();
        ctx.lineWidth = 2;
        ctx.strokeStyle = COLOURS.actual;
        ctx.stroke();
        ctx.fillStyle = COLOURS.actual;
        ctx.font = "700 11px system-ui, sans-serif";
        ctx.textAlign = "center";
        ctx.textBaseline = "middle";
        ctx.fillText(String(item.count), x, y + 0.5);
      });
      ctx.restore();
    }
  };

  function commentCount(data, index) {
    var week = data.weeks[index];
    var found = (data.comments || []).filter(function (item) { return item.week === week; })[0];
    return found ? found.count : 0;
  }

  function options(data) {
    var initiatives = data.initiatives || [];
    return {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { grid: { display: false }, ticks: { color: COLOURS.text, autoSkip: true, maxRotation: 0 } },
        y: {
          beginAtZero: true,
          grid: { color: COLOURS.grid },
          ticks: { color: COLOURS.text, callback: function (value) { return compactNumber(value, data); } }
        }
      },
      plugins: {
        legend: {
          position: "bottom",
          labels: {
            usePointStyle: true,
            color: COLOURS.text,
            boxWidth: 24,
            pointStyleWidth: 32,
            sort: function (a, b) { return a.datasetIndex - b.datasetIndex; }
          }
        },
        tooltip: {
          callbacks: {
            title: function (items) { return items.length ? data.week_titles[items[0].dataIndex] : ""; },
            label: function (item) {
              if (item.raw === null || item.raw === undefined) { return null; }
              return item.dataset.label + ": " + fullNumber(item.raw, data);
            },
            footer: function (items) {
              if (!items.length) { return ""; }
              var lines = [];
              var note = data.notes[items[0].dataIndex];
              if (note) { lines.push(data.text.note + ": " + note); }
              var comments = commentCount(data, items[0].dataIndex);
              if (comments) { lines.push(data.text.comments + ": " + comments); }
              return lines.join("\n");  // Chart.js puts each line of the footer on its own line
            }
          }
        },
        goaltreeInitiatives: { items: initiatives, weeks: data.weeks },
        goaltreeComments: { items: data.comments || [], weeks: data.weeks }
      }
    };
  }

  function config(data, mode) {
    var plugins = [commentsPlugin];
    if (window.GoaltreeInitiativesPlugin) { plugins.push(window.GoaltreeInitiativesPlugin); }
    return {
      type: mode === "cumulative" ? "line" : "bar",
      data: { labels: data.labels, datasets: datasets(data, mode) },
      options: options(data),
      plugins: plugins
    };
  }

  function chartjsMissing() {
    return typeof window.Chart === "undefined";
  }

  function showUnavailable(canvas) {
    var box = canvas.parentElement;
    var note = box && box.querySelector("[data-chart-unavailable]");
    if (!note) { return; }
    note.hidden = false;
    canvas.hidden = true;
    box.classList.add("is-unavailable");
  }

  function draw(canvas) {
    var data = canvas._goaltreeData;
    if (!data || typeof window.Chart === "undefined") { return; }
    var mode = canvas.getAttribute("data-mode") || "weekly";
    var existing = window.Chart.getChart(canvas);
    if (existing) { existing.destroy(); }
    new window.Chart(canvas, config(data, mode));
    var summary = mode === "cumulative" ? data.summary_cumulative : data.summary_weekly;
    if (summary) { canvas.setAttribute("aria-label", summary); }
    canvas.setAttribute("data-drawn", "true");
  }

  function load(canvas) {
    var url = canvas.getAttribute("data-chart-url");
    if (!url) { return Promise.resolve(); }
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("chart data: HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        canvas._goaltreeData = data;
        draw(canvas);
      })
      .catch(function (error) {
        // A failed refresh keeps the chart that is shown; the numbers table stays the reference.
        if (window.console) { window.console.warn(error); }
      });
  }

  function canvases(root) {
    return Array.prototype.slice.call((root || document).querySelectorAll("canvas[data-chart-url]"));
  }

  function setUpToggle(toggle) {
    if (toggle._goaltreeReady || chartjsMissing()) { return; }
    toggle._goaltreeReady = true;
    toggle.hidden = false;
    var canvas = document.getElementById(toggle.getAttribute("data-chart-toggle"));
    toggle.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-mode]");
      if (!button || !canvas) { return; }
      canvas.setAttribute("data-mode", button.getAttribute("data-mode"));
      toggle.querySelectorAll("button[data-mode]").forEach(function (other) {
        other.setAttribute("aria-pressed", other === button ? "true" : "false");
      });
      draw(canvas);
    });
  }

  function init(root) {
    (root || document).querySelectorAll("[data-chart-toggle]").forEach(setUpToggle);
    canvases(root).forEach(function (canvas) {
      if (canvas._goaltreeLoaded) { return; }
      canvas._goaltreeLoaded = true;
      if (chartjsMissing()) {
        showUnavailable(canvas);
        return;
      }
      load(canvas);
    });
  }

  function refreshAll() {
    if (chartjsMissing()) { return; }
    canvases(document).forEach(load);
  }

  // "See as a table" beside a chart that could not be drawn: open the table it points to, then go there.
  function openTable(event) {
    var link = event.target.closest && event.target.closest("[data-open-table]");
    if (!link) { return; }
    var table = document.getElementById(link.getAttribute("data-open-table"));
    if (table && table.tagName === "DETAILS") { table.open = true; }
  }

  // Submit the dashboard's filter form as soon as a select changes (it has a button without JavaScript).
  function setUpAutoSubmit() {
    document.querySelectorAll("form[data-auto-submit]").forEach(function (form) {
      form.addEventListener("change", function () { form.requestSubmit ? form.requestSubmit() : form.submit(); });
      var button = form.querySelector("[data-auto-submit-button]");
      if (button) { button.classList.add("visually-hidden"); }
    });
  }

  // The minute's refresh swaps the numbers; keep the tables and lists that the person opened open.
  var openDetails = [];
  function rememberOpenDetails(event) {
    openDetails = Array.prototype.map.call(event.detail.target.querySelectorAll("details[open][id]"), function (item) {
      return item.id;
    });
  }
  function restoreOpenDetails() {
    openDetails.forEach(function (id) {
      var item = document.getElementById(id);
      if (item) { item.open = true; }
    });
    openDetails = [];
  }

  function start() {
    init(document);
    setUpAutoSubmit();
    document.addEventListener("click", openTable);
    document.body.addEventListener("entriesChanged", refreshAll);
    document.body.addEventListener("htmx:beforeSwap", rememberOpenDetails);
    document.body.addEventListener("htmx:afterSettle", function (event) {
      restoreOpenDetails();
      init(event.detail.target.isConnected ? event.detail.target : document);
    });
    window.setInterval(function () {
      if (!document.hidden) { refreshAll(); }
    }, REFRESH_MS);
  }

  window.GoaltreeCharts = { refresh: refreshAll, init: init };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
