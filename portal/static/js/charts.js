/*
 * charts.js: the charts of the portal's pages (Chart.js, the global `Chart` of the vendored UMD
 * build). Each chart is a <canvas data-chart="…"> whose data and words are data-* attributes;
 * no inline script is needed.
 *
 * Portal.charts:
 *   villagesLeft(canvas)  the telecom page's line chart: villages left and on air by date, from
 *                         data-history (JSON [{date, left, done}]) and the series names
 *                         data-label-left and data-label-done; marks the canvas data-ready="true"
 * Every canvas[data-chart="villages-left"] on the page is drawn once this file has loaded.
 */
(function (global) {
  'use strict';

  function villagesLeft(canvas) {
    var history = JSON.parse(canvas.dataset.history || '[]');
    new global.Chart(canvas, {
      type: 'line',
      data: {
        labels: history.map(function (p) { return p.date; }),
        datasets: [
          { label: canvas.dataset.labelLeft, data: history.map(function (p) { return p.left; }), borderColor: '#c0392b', backgroundColor: 'rgba(192,57,43,0.15)', fill: true, tension: 0.2 },
          { label: canvas.dataset.labelDone, data: history.map(function (p) { return p.done; }), borderColor: '#27ae60', fill: false, tension: 0.2 }
        ]
      },
      options: { animation: false, plugins: { legend: { position: 'bottom' } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
    canvas.dataset.ready = 'true';
  }

  global.Portal = global.Portal || {};
  global.Portal.charts = { villagesLeft };

  if (!global.Chart) return;
  document.querySelectorAll('canvas[data-chart="villages-left"]').forEach(villagesLeft);
})(window);
