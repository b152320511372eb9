// Goaltree: a Chart.js 4 plugin that marks the start week of each initiative (施策) with a 1px line and
// its letter (A, B…) at the top of the chart area (docs/ui.md "Charts"). No inline scripts (CSP).
//
// Use it on a chart whose x axis is a category axis, one category per week:
//
//   new Chart(canvas, {
//     type: "bar",
//     data: {labels: [...], datasets: [...]},
//     options: {plugins: {goaltreeInitiatives: {
//       items: GoaltreeInitiativesPlugin.itemsFromJson(json),   // [{label: "A", week: "2026-06-29", title: "…"}]
//       weeks: ["2026-03-30", "2026-04-06", …]                   // optional, see below
//     }}},
//     plugins: [GoaltreeInitiativesPlugin]                       // or Chart.register(GoaltreeInitiativesPlugin) once
//   });
//
// Where the lines go: `weeks[i]` is the ISO date of the first day of the week drawn at category index i.
// Without `weeks`, the chart's own `data.labels` are used and must then be those ISO dates. Pass `weeks`
// when the labels are for display ("6/29週"). An item whose week is not among them is not drawn (it is
// still listed below the chart). Items of the same week share one line: "A, B".
//
// `json` is what /nodes/<pk>/initiatives.json returns; GoaltreeInitiativesPlugin.fetchItems(url) fetches
// it and resolves to the items.
(function () {
  "use strict";

  var LINE_COLOR = "#333333";
  var LABEL_FONT = "700 12px \"Hiragino Sans\", \"Hiragino Kaku Gothic ProN\", \"Noto Sans JP\", \"Yu Gothic UI\", Meiryo, system-ui, sans-serif";

  function itemsFromJson(list) {
    if (!Array.isArray(list)) { return []; }
    return list.filter(function (item) {
      return item && typeof item.week === "string" && item.label;
    }).map(function (item) {
      return {label: String(item.label), week: item.week.slice(0, 10), title: item.title ? String(item.title) : ""};
    });
  }

  function fetchItems(url) {
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(itemsFromJson)
      .catch(function () { return []; });
  }

  // [{index, labels: ["A", "B"], titles: [...]}] for the items whose week is one of `weeks`, in index order.
  function markers(items, weeks) {
    var byIndex = {};
    var order = [];
    (items || []).forEach(function (item) {
      var index = weeks.indexOf(item.week);
      if (index < 0) { return; }
      if (!byIndex[index]) { byIndex[index] = {index: index, labels: [], titles: []}; order.push(index); }
      byIndex[index].labels.push(item.label);
      byIndex[index].titles.push(item.title || "");
    });
    order.sort(function (a, b) { return a - b; });
    return order.map(function (index) { return byIndex[index]; });
  }

  function weeksOf(chart, options) {
    var weeks = options && Array.isArray(options.weeks) ? options.weeks : (chart.data && chart.data.labels) || [];
    return weeks.map(function (week) { return String(week).slice(0, 10); });
  }

  // The x pixel where a week starts: the left edge of its category when categories are bands (bar charts),
  // else the category's own point (line charts).
  function xOf(scale, index) {
    var x = scale.getPixelForValue(index);
    if (scale.options && scale.options.offset) {
      var count = Math.max(1, (scale.max - scale.min) + 1);
      x -= (scale.width / count) / 2;
    }
    return Math.round(x) + 0.5;  // crisp 1px line
  }

  var plugin = {
    id: "goaltreeInitiatives",
    defaults: {items: [], weeks: null},

    afterDatasetsDraw: function (chart, args, options) {
      var items = options && options.items;
      if (!items || !items.length) { return; }
      var scale = chart.scales.x;
      var area = chart.chartArea;
      if (!scale || !area) { return; }
      var ctx = chart.ctx;
      ctx.save();
      ctx.lineWidth = 1;
      ctx.strokeStyle = LINE_COLOR;
      ctx.fillStyle = LINE_COLOR;
      ctx.font = LABEL_FONT;
      ctx.textBaseline = "top";
      markers(items, weeksOf(chart, options)).forEach(function (marker) {
        if (marker.index < scale.min || marker.index > scale.max) { return; }
        var x = xOf(scale, marker.index);
        if (x < area.left - 1 || x > area.right + 1) { return; }
        ctx.beginPath();
        ctx.moveTo(x, area.top);
        ctx.lineTo(x, area.bottom);
        ctx.stroke();
        var text = marker.labels.join(", ");
        var width = ctx.measureText(text).width + 6;
        var left = Math.min(x + 1, area.right - width);
        ctx.save();
        ctx.fillStyle = "#ffffff";
        ctx.fillRect(left, area.top, width, 16);
        ctx.restore();
        ctx.fillText(text, left + 3, area.top + 2);
      });
      ctx.restore();
    }
  };

  plugin.itemsFromJson = itemsFromJson;
  plugin.fetchItems = fetchItems;
  plugin.markers = markers;
  window.GoaltreeInitiativesPlugin = plugin;
})();
