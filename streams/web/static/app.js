// Tandem's dashboard: draws the charts from the JSON the page carries (each chart has a table beside it
// with the same numbers, so nothing depends on this script).
"use strict";

(function () {
  function data(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function day(label) {
    const d = new Date(label + "T00:00:00Z");
    return d.toLocaleDateString(undefined, { day: "numeric", month: "short", timeZone: "UTC" });
  }

  // A vertical line at a category index (the launch day, today), with its name at the top.
  const markers = {
    id: "tandemMarkers",
    afterDatasetsDraw(chart, _args, options) {
      const { ctx, chartArea, scales } = chart;
      for (const marker of options.lines || []) {
        if (marker.index === null || marker.index === undefined) continue;
        const x = scales.x.getPixelForValue(marker.index);
        ctx.save();
        ctx.strokeStyle = marker.color;
        ctx.lineWidth = 2;
        ctx.setLineDash(marker.dash || []);
        ctx.beginPath();
        ctx.moveTo(x, chartArea.top);
        ctx.lineTo(x, chartArea.bottom);
        ctx.stroke();
        ctx.fillStyle = marker.color;
        ctx.font = "600 12px system-ui, sans-serif";
        ctx.textAlign = x > chartArea.right - 60 ? "right" : "left";
        ctx.fillText(marker.label, x + (ctx.textAlign === "left" ? 4 : -4), chartArea.top + 12);
        ctx.restore();
      }
    },
  };

  // The forecast with odds: a shaded band from its P50 to its P95 day, behind the lines.
  const band = {
    id: "tandemBand",
    beforeDatasetsDraw(chart, _args, options) {
      const range = options.range;
      if (!range || range.from === null || range.from === undefined) return;
      const { ctx, chartArea, scales } = chart;
      const left = scales.x.getPixelForValue(range.from);
      const right = scales.x.getPixelForValue(range.to);
      ctx.save();
      ctx.fillStyle = "rgba(9,105,218,.10)";
      ctx.fillRect(left, chartArea.top, Math.max(right - left, 2), chartArea.bottom - chartArea.top);
      ctx.fillStyle = "#0969da";
      ctx.font = "12px system-ui, sans-serif";
      ctx.textAlign = "left";
      ctx.fillText("50–95 % likely", left + 4, chartArea.bottom - 6);
      ctx.restore();
    },
  };

  function trend() {
    const canvas = document.getElementById("trend-chart");
    const chart = data("trend-data");
    if (!canvas || !chart || !window.Chart) return;
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: chart.labels.map(day),
        datasets: chart.series.map((s) => ({ label: s.label, data: s.data, backgroundColor: s.color, borderRadius: 3, maxBarThickness: 56 })),
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: { x: { stacked: true, grid: { display: false } }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } },
      },
    });
  }

  function burnup() {
    const canvas = document.getElementById("burnup-chart");
    const chart = data("burnup-data");
    if (!canvas || !chart || !window.Chart) return;
    const s = chart.series;
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: chart.labels.map(day),
        datasets: [
          { label: "Done (points)", data: s.done, borderColor: "#1a7f37", backgroundColor: "rgba(26,127,55,.12)", fill: true, stepped: true, pointRadius: 0, borderWidth: 2.5 },
          { label: "Total (points)", data: s.total, borderColor: "#1f2328", stepped: true, pointRadius: 0, borderWidth: 2 },
          { label: "Baseline", data: s.baseline, borderColor: "#8c959f", borderDash: [2, 4], pointRadius: 0, borderWidth: 2 },
          { label: "Forecast", data: s.projection, borderColor: "#0969da", borderDash: [7, 5], pointRadius: 0, borderWidth: 2, spanGaps: true },
        ],
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { ticks: { maxTicksLimit: 10, autoSkip: true }, grid: { display: false } },
          y: { beginAtZero: true, title: { display: true, text: "points" } },
        },
        plugins: {
          legend: { position: "bottom" },
          tandemMarkers: {
            lines: [
              { index: chart.launch, label: "Launch", color: "#cf222e" },
              { index: chart.today, label: "Now", color: "#59636e", dash: [3, 3] },
              { index: chart.band ? chart.band.likely : null, label: "85 %", color: "#0969da", dash: [6, 3] },
            ],
          },
          tandemBand: { range: chart.band },
        },
      },
      plugins: [band, markers],
    });
  }

  function draw() {
    trend();
    burnup();
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
