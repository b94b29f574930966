// Draws the figures pages' charts with the vendored Chart.js. Each chart is a <canvas> with a
// data-chart attribute naming a <script type="application/json"> element that holds
// {"type": "bar"|"column"|"pie"|"line", "labels": [...],
//  "series": [{"label": "...", "values": [...]}, ...]} (one series, or more side by side).
// The table next to each chart holds the same figures, for everyone without the picture.
(function () {
  "use strict";
  if (typeof Chart === "undefined") {
    return;
  }
  var palette = ["#1f6fb2", "#d9822b", "#2f9e6e", "#b23a48", "#7a5cb8", "#c9a227", "#4f8a8b"];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var type = data.type === "column" ? "bar" : data.type;
    var horizontal = data.type === "bar";
    new Chart(canvas, {
      type: type,
      data: {
        labels: data.labels,
        datasets: data.series.map(function (series, index) {
          return {
            label: series.label,
            data: series.values,
            backgroundColor: type === "pie" ? palette : palette[index % palette.length],
          };
        }),
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: type === "pie" || data.series.length > 1 } },
      },
    });
  });
})();
